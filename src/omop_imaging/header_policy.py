"""What the harvest keeps of a header: instance-level attributes, attributes never stored, caps."""

from pydicom.datadict import tag_for_keyword


def _tags(*keywords: str) -> frozenset[int]:
    return frozenset(tag_for_keyword(keyword) for keyword in keywords)


# Kept for every instance, even when only one representative instance per series keeps its full
# header: what differs from one image of a series to the next and what the R-CDM image rows need.
INSTANCE_LEVEL_TAGS = _tags(
    "SOPClassUID",
    "SOPInstanceUID",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "InstanceNumber",
    "AcquisitionNumber",
    "ImageType",
    "ImagePositionPatient",
    "ImageOrientationPatient",
    "SliceLocation",
    "SliceThickness",
    "SpacingBetweenSlices",
    "PixelSpacing",
    "Rows",
    "Columns",
    "NumberOfFrames",
    "AcquisitionDate",
    "AcquisitionTime",
    "AcquisitionDateTime",
    "ContentDate",
    "ContentTime",
    "InstanceCreationDate",
    "InstanceCreationTime",
    "WindowCenter",
    "WindowWidth",
    "RescaleIntercept",
    "RescaleSlope",
    "FrameOfReferenceUID",
    "TemporalPositionIdentifier",
    "TriggerTime",
    "EchoNumbers",
    "EchoTime",
    "InversionTime",
    "DiffusionBValue",
    "InStackPositionNumber",
    "BitsAllocated",
    "PhotometricInterpretation",
    "LossyImageCompression",
)

# Attributes that directly identify a person and that no OMOP table needs: never stored at all.
NEVER_STORED_TAGS = _tags(
    "PatientName",
    "OtherPatientIDs",
    "OtherPatientNames",
    "OtherPatientIDsSequence",
    "PatientBirthName",
    "PatientMotherBirthName",
    "PatientAddress",
    "PatientTelephoneNumbers",
    "PatientTelecomInformation",
    "MilitaryRank",
    "MedicalRecordLocator",
    "PersonName",
    "PersonAddress",
    "PersonTelephoneNumbers",
    "ResponsiblePerson",
    "PatientInsurancePlanCodeSequence",
)

# Pixel and bulk data: never read as values.
BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
# A short binary value is kept as hex (e.g. a 2-byte flag); longer ones are recorded as present only.
MAX_BINARY_BYTES = 64
# Longer text values are cut here so that one odd element cannot bloat staging.
MAX_VALUE_CHARS = 10_000
# Sequences deeper or longer than this are not walked further (per-frame functional groups can
# hold thousands of items; the first ones describe the series well enough).
MAX_SEQUENCE_DEPTH = 8
MAX_SEQUENCE_ITEMS = 100
