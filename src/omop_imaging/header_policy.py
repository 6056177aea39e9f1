"""What the harvest keeps of a header: instance-level attributes, attributes never stored, caps."""

from pydicom.datadict import tag_for_keyword


def _tags(*keywords: str) -> frozenset[int]:
    tags = {keyword: tag_for_keyword(keyword) for keyword in keywords}
    unknown = [keyword for keyword, tag in tags.items() if tag is None]
    if unknown:
        raise ValueError(f"not in pydicom's dictionary: {unknown}")
    return frozenset(tag for tag in tags.values() if tag is not None)


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

# Attributes that directly identify a person (patient, relatives, staff) and that no OMOP table
# needs: never stored at all, with or without --deidentify. Chosen from PS3.15 Table E.1-1 (the
# Basic Profile removes or blanks every one of them). Kept on purpose, because OMOP needs them:
# Patient ID and its issuer (PERSON and linkage), birth date, sex, age, size and weight (PERSON,
# MEASUREMENT), study / series dates and times (PROCEDURE_OCCURRENCE, IMAGE_OCCURRENCE) and the
# Accession Number (visit linkage); --deidentify pseudonymises or blanks those.
NEVER_STORED_TAGS = _tags(
    # the patient
    "PatientName",
    "OtherPatientIDs",
    "OtherPatientNames",
    "OtherPatientIDsSequence",
    "PatientBirthName",
    "PatientMotherBirthName",
    "PatientBirthTime",
    "PatientAddress",
    "PatientTelephoneNumbers",
    "PatientTelecomInformation",
    "PatientReligiousPreference",
    "CountryOfResidence",
    "RegionOfResidence",
    "PatientInstitutionResidence",
    "MilitaryRank",
    "BranchOfService",
    "MedicalRecordLocator",
    "InsurancePlanIdentification",
    "PatientInsurancePlanCodeSequence",
    "ResponsiblePerson",
    "ResponsibleOrganization",
    # other persons named in a header: relatives, physicians, operators, observers
    "PersonName",
    "PersonAddress",
    "PersonTelephoneNumbers",
    "PersonTelecomInformation",
    "ReferringPhysicianName",
    "ReferringPhysicianAddress",
    "ReferringPhysicianTelephoneNumbers",
    "ReferringPhysicianIdentificationSequence",
    "ConsultingPhysicianName",
    "ConsultingPhysicianIdentificationSequence",
    "PhysiciansOfRecord",
    "PhysiciansOfRecordIdentificationSequence",
    "PerformingPhysicianName",
    "PerformingPhysicianIdentificationSequence",
    "NameOfPhysiciansReadingStudy",
    "PhysiciansReadingStudyIdentificationSequence",
    "RequestingPhysician",
    "ScheduledPerformingPhysicianName",
    "OperatorsName",
    "OperatorIdentificationSequence",
    "NamesOfIntendedRecipientsOfResults",
    "IntendedRecipientsOfResultsIdentificationSequence",
    "OrderEnteredBy",
    "OrderCallbackPhoneNumber",
    "OrderCallbackTelecomInformation",
    "HumanPerformerName",
    "ContentCreatorName",
    "ReviewerName",
    "InstitutionAddress",
)

# Pixel and bulk data: never read as values.
BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
# A short binary value is kept as hex (e.g. a 2-byte flag); longer ones are recorded as present only.
MAX_BINARY_BYTES = 64
# Longer text values are cut here so that one odd element cannot bloat staging.
MAX_VALUE_CHARS = 10_000
# Values of one element beyond this many are not stored (an RT contour holds tens of thousands
# of coordinates; a header attribute OMOP reads has a handful).
MAX_VALUES_PER_ELEMENT = 1_000
# An element value larger than this is neither read into memory nor stored, whatever its VR: the
# parser defers it, and the rows record its presence.
MAX_ELEMENT_BYTES = 1 << 20
# Sequences deeper or longer than this are not walked further (per-frame functional groups can
# hold thousands of items; the first ones describe the series well enough).
MAX_SEQUENCE_DEPTH = 8
MAX_SEQUENCE_ITEMS = 100
