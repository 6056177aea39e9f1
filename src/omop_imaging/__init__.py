"""omop-imaging: DICOM headers into the OMOP CDM with the MI-CDM and R-CDM extensions."""

__version__ = "0.1.0"
