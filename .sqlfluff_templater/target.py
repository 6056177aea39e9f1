"""Stand-in for dbt's `target` in sqlfluff."""

name = "postgres"
type = "postgres"
schema = "cdm"
database = "omop"
