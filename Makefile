# The two commands a newcomer types: `make demo` and `make test`.
# Both create .venv and install the pinned requirements themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: install demo test lint browser orthanc java docs clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Harvest the real DICOM files shipped with pydicom and pydicom-data into DuckDB, build, print counts.
demo: install
	$(BIN)/omop-imaging demo

## The whole test suite: linters and the type check, then pytest (dbt builds on DuckDB and PostgreSQL included).
test: install lint browser orthanc java
	$(BIN)/python -m pytest

## Debian's chromium + chromium-driver for the viewer's browser test (installed when missing).
browser:
	bash scripts/ensure_debian_packages.sh "the viewer's browser test" \
	  "/usr/bin/chromium /usr/bin/chromedriver" chromium chromium-driver

## Debian's orthanc + orthanc-dicomweb, the real PACS of the DICOMweb and DIMSE tests (installed when missing).
orthanc:
	bash scripts/ensure_debian_packages.sh "the PACS tests (a system-wide Orthanc does not disturb them)" \
	  "/usr/sbin/Orthanc /usr/share/orthanc/plugins/libOrthancDicomWeb.so" orthanc orthanc-dicomweb

## Debian's Java runtime for the Spark tests (pyspark's JVM needs Java 17 or newer; installed when missing).
java:
	bash scripts/ensure_debian_packages.sh "the Spark tests (Java 17 or newer)" \
	  "$$(bash scripts/java_at_least.sh 17)" openjdk-17-jre-headless

lint: install
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy  # the package's types, configured in pyproject.toml [tool.mypy]
	$(BIN)/sqlfluff lint --processes 2 $(wildcard models macros analyses tests/dbt)

## Browse the lineage graph of the dbt project (after `make demo`).
docs: install
	$(BIN)/omop-imaging dbt docs generate && $(BIN)/omop-imaging dbt docs serve

clean:
	rm -rf target logs data/*.duckdb
