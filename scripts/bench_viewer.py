"""Benchmark of the web viewer's queries at archive scale (default: 1,000,000 series).

Generates, with DuckDB SQL alone (range() and hash-derived values: the same data every run), a
DuckDB file holding the tables the viewer reads, in their shape and schemas: series_catalog (one row per
series), person, radiology_occurrence (one row per study), radiology_unmapped_protocols, concept,
etl_coverage, unlinked_patients, header_value_conformance and dicom_raw.harvested_file. Then times every page's queries,
calling the very functions of omop_imaging.viewer.queries the pages call, and prints a table:
the first run of each query and the median of the next runs, and per page the sum (a page runs
all of its queries on first load). Target: under 2 s per page query on DuckDB.

    .venv/bin/python scripts/bench_viewer.py                 # 1 M series, temporary file
    .venv/bin/python scripts/bench_viewer.py --series 200000 --db /tmp/bench.duckdb --keep

Not a unit test: the numbers depend on the machine (they were taken on 2 cores).
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from omop_imaging.settings import relation, schema
from omop_imaging.staging_schema import FILE_TABLE, RAW_SCHEMA
from omop_imaging.viewer import queries
from omop_imaging.viewer.queries import SeriesFilter

TARGET_SECONDS = 2.0

# {n}: series; ~4 series per study, ~3 studies per person. Lists are picked by hashes of the row.
GENERATE = """
{create_schemas}

create or replace table {series_catalog} as
with base as (
    select
        i,
        i // 4 as study,
        i // 12 as person,
        cast(hash(i, 'modality') % 100 as integer) as m,
        cast(hash(i // 4, 'date') % 7300 as integer) as day,
        cast(hash(i, 'body') % 12 as integer) as b,
        cast(hash(i // 4, 'maker') % 6 as integer) as f,
        cast(hash(i, 'protocol') % 2000 as integer) as p,
        cast(hash(i, 'plane') % 10 as integer) as pl,
        cast(hash(i, 'contrast') % 10 as integer) as c,
        cast(hash(i, 'family') % 11 as integer) as s
    from range({n}) as series(i)
),
typed as (
    select
        *,
        case when m < 35 then 'CT' when m < 70 then 'MR' when m < 82 then 'CR'
            when m < 90 then 'US' when m < 95 then 'PT' when m < 98 then 'MG' else null end
            as modality
    from base
)
select
    i + 1 as image_occurrence_id,
    person + 1 as person_id,
    study + 1 as procedure_occurrence_id,
    case when i % 3 = 0 then null else study + 1 end as visit_occurrence_id,
    date '2005-01-01' + cast(day as integer) as image_occurrence_date,
    i % 50 <> 7 as image_date_from_header,
    '1.2.826.0.1.3680043.10.9999.1.' || study as image_study_uid,
    '1.2.826.0.1.3680043.10.9999.2.' || i as image_series_uid,
    modality,
    ['HEAD', 'BRAIN', 'CHEST', 'ABDOMEN', 'PELVIS', 'SPINE', 'KNEE', 'HEART', 'NECK',
        'BREAST', 'WHOLEBODY', null][b + 1] as body_part_examined,
    'series ' || (p % 300) as series_description,
    case when p < 1900 then coalesce(modality, 'OT') || ' protocol ' || p end as protocol_name,
    ['SIEMENS', 'GE MEDICAL SYSTEMS', 'Philips Medical Systems', 'TOSHIBA', 'Agfa', null][f + 1]
        as manufacturer,
    case when modality in ('CT', 'MR') then
        ['AXIAL', 'AXIAL', 'AXIAL', 'AXIAL', 'CORONAL', 'CORONAL', 'SAGITTAL', 'SAGITTAL',
            'OBLIQUE', null][pl + 1] end as image_plane,
    false as has_plane_disagreement,
    case when modality in ('CT', 'MR') then
        ['WITH_CONTRAST', 'WITH_CONTRAST', 'WITH_CONTRAST', 'WITHOUT_CONTRAST',
            'WITHOUT_CONTRAST', 'WITHOUT_CONTRAST', 'WITHOUT_CONTRAST', 'CONTRAST_UNKNOWN',
            'CONTRAST_UNKNOWN', 'CONTRAST_UNKNOWN'][c + 1]
        else 'CONTRAST_UNKNOWN' end as contrast_status,
    case when modality = 'MR' then
        ['T1W', 'T2W', 'FLAIR', 'PDW', 'DWI', 'ADC', 'T2STAR_SWI', 'LOCALIZER', 'PERFUSION',
            'ANGIOGRAPHY', 'OTHER_SEQUENCE'][s + 1] end as sequence_family,
    modality = 'MR' and s in (0, 2) as is_volumetric,
    (modality = 'MR' and s = 7) or (modality = 'CT' and p % 20 = 0) as is_localizer,
    case when modality = 'MR' then cast(400 + (hash(i, 'tr') % 5000) as float) end
        as repetition_time_ms,
    case when modality = 'MR' then cast(5 + (hash(i, 'te') % 120) as float) end as echo_time_ms,
    case when modality = 'MR' and s = 2 then cast(2000 + (hash(i, 'ti') % 600) as float) end
        as inversion_time_ms,
    case when modality = 'MR' then cast(5 + (hash(i, 'fa') % 85) as float) end as flip_angle_deg,
    cast(1 + hash(i, 'instances') % 400 as bigint) as instance_count,
    '/archive/dicom/' || (study % 1000) || '/' || study || '/' || i as local_path,
    'https://pacs.example.org/dicomweb/studies/1.2.826.0.1.3680043.10.9999.1.' || study
        || '/series/1.2.826.0.1.3680043.10.9999.2.' || i as wadors_uri
from typed;

create or replace table {person} as
select distinct person_id, 1900 + cast(hash(person_id, 'born') % 100 as integer) as year_of_birth
from {series_catalog};

create or replace table {concept} as
select 90000000 + p as concept_id, 'Playbook protocol ' || p as concept_name
from range(2000) as protocols(p);

create or replace table {radiology_occurrence} as
select
    procedure_occurrence_id as radiology_occurrence_id,
    min(person_id) as person_id,
    min(image_occurrence_date) as radiology_occurrence_date,
    min(modality) as modality,
    min(manufacturer) as manufacturer,
    case when hash(procedure_occurrence_id, 'mapped') % 10 < 6
        and min(protocol_name) is not null
        then 90000000 + cast(hash(min(protocol_name)) % 2000 as integer) else 0 end
        as protocol_concept_id,
    min(protocol_name) as protocol_source_value,
    cast(count(*) as integer) as count_of_series,
    cast(sum(instance_count) as integer) as count_of_images
from {series_catalog}
group by procedure_occurrence_id;

create or replace table {radiology_unmapped_protocols} as
select modality, 'HEAD' as body_part_examined, protocol_source_value, count(*) as study_count
from {radiology_occurrence}
where protocol_concept_id = 0
group by modality, protocol_source_value;

create or replace table {etl_coverage} as
select
    'table_' || (c // 5) as table_name,
    'column_' || c as column_name,
    cast({n} as bigint) as row_count,
    cast({n} * (c % 10) / 10 as bigint) as mapped_count,
    cast({n} - {n} * (c % 10) / 10 as bigint) as unmapped_count,
    cast(100.0 * (c % 10) / 10 as decimal(7, 2)) as mapped_percent
from range(38) as columns(c);

create or replace table {unlinked_patients} as
select
    md5('patient' || p) as patient_key,
    'PID' || p as patient_id,
    cast(null as varchar) as issuer_of_patient_id,
    case when p % 4 = 0 then 'unmatched' else 'created' end as link_method,
    p as person_id,
    1 + p % 3 as study_count,
    1 + p % 9 as series_count
from range(5000) as patients(p);

create or replace table {header_value_conformance} as
select
    case when v % 5 = 0 then 'not_allowed' else 'extension' end as finding,
    '0018' || lpad(cast(v % 40 as varchar), 4, '0') as tag,
    'Attribute ' || (v % 40) as attribute_name,
    'VALUE' || v as value_code,
    case when v % 3 = 0 then 'SCT' end as coding_scheme_designator,
    'Manufacturer ' || (v % 7) as manufacturer,
    cast(1 + v % 50 as bigint) as series_count
from range(400) as conformance(v);

create or replace table {harvested_file} as
select
    f as file_id,
    '/archive/dicom/' || f as file_path,
    case when f % 97 = 0 then 'rejected' else 'harvested' end as status,
    case when f % 97 = 0 then ['not_dicom', 'missing_uid', 'dicomdir', 'malformed', 'empty'][
        cast(f % 5 as integer) + 1] end as reject_category,
    case when f % 97 = 0 then 'reason ' || (f % 7) end as reject_reason
from range({files}) as files(f);
"""


def generate(path: str, series: int) -> float:
    started = time.perf_counter()
    with duckdb.connect(path) as connection:
        tables = {name: relation(role, name) for name, role in queries.TABLE_ROLES.items()}
        schemas = sorted({schema(role) for role in queries.TABLE_ROLES.values()} | {RAW_SCHEMA})
        create_schemas = "\n".join(f"create schema if not exists {name};" for name in schemas)
        connection.execute(
            GENERATE.format(
                n=int(series),
                files=int(series * 1.2),
                create_schemas=create_schemas,
                harvested_file=FILE_TABLE,
                **tables,
            )
        )
    return time.perf_counter() - started


def pages(bounds) -> dict[str, list[tuple[str, callable]]]:
    """Every page's queries, as the page calls them on first load (plus the filtered browser)."""
    first, last = bounds
    mr_2015_2020 = SeriesFilter(
        date_from=datetime.date(2015, 1, 1),
        date_to=datetime.date(2020, 12, 31),
        modalities=("MR",),
        body_parts=("HEAD", "BRAIN"),
        contrasts=("WITHOUT_CONTRAST",),
        exclude_localizers=True,
    )
    protocol = SeriesFilter(protocols=("MR protocol 7",), planes=("AXIAL",))
    dims = ["modality", "body part", "manufacturer"]
    return {
        "overview": [
            ("totals", lambda s: queries.totals(s)),
            ("by_year", lambda s: queries.by_year(s)),
            ("by_modality", lambda s: queries.by_modality(s)),
        ],
        "protocols": [
            ("protocol_summary", lambda s: queries.protocol_summary(s)),
            ("top_protocols(25)", lambda s: queries.top_protocols(s, 25)),
            ("unmapped_protocols(25)", lambda s: queries.unmapped_protocols(s, 25)),
            ("series_protocol_names(25)", lambda s: queries.series_protocol_names(s, 25)),
        ],
        "combinations": [
            ("combination_count(3 dims)", lambda s: queries.combination_count(s, dims)),
            ("combinations(3 dims, 100)", lambda s: queries.combinations(s, dims, 100)),
            (
                "combinations(6 dims, 1000)",
                lambda s: queries.combinations(
                    s,
                    [*dims, "image plane", "contrast", "MR sequence family"],
                    1000,
                ),
            ),
        ],
        "quality": [
            ("harvest_status", lambda s: queries.harvest_status(s)),
            ("rejected_by_category", lambda s: queries.rejected_by_category(s)),
            ("rejected_by_reason(25)", lambda s: queries.rejected_by_reason(s, 25)),
            ("coverage", lambda s: queries.coverage(s)),
            ("unlinked_patients", lambda s: queries.unlinked_patients(s)),
            ("conformance_values(200)", lambda s: queries.conformance_values(s, 200)),
            ("classification_gaps", lambda s: queries.classification_gaps(s)),
        ],
        "series browser": [
            ("filter_options", lambda s: queries.filter_options(s)),
            ("date_bounds", lambda s: queries.date_bounds(s)),
            ("selection_counts(all)", lambda s: queries.selection_counts(s, SeriesFilter())),
            ("series_page(all, page 1)", lambda s: queries.series_page(s, SeriesFilter(), 1, 100)),
            (
                "series_page(all, page 5000)",
                lambda s: queries.series_page(s, SeriesFilter(), 5000, 100),
            ),
            (
                "selection_counts(MR filter)",
                lambda s: queries.selection_counts(s, mr_2015_2020),
            ),
            ("series_page(MR filter)", lambda s: queries.series_page(s, mr_2015_2020, 1, 100)),
            ("selection_counts(protocol)", lambda s: queries.selection_counts(s, protocol)),
            ("series_page(protocol)", lambda s: queries.series_page(s, protocol, 1, 100)),
        ],
        "export (not a page load)": [
            ("export_csv(MR filter)", lambda s: queries.export_csv(s, mr_2015_2020)),
            ("export_csv(all, capped)", lambda s: queries.export_csv(s, SeriesFilter())),
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1_000_000, help="series to generate")
    parser.add_argument("--db", help="DuckDB file to write (default: a temporary file)")
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    parser.add_argument("--reuse", action="store_true", help="time an existing --db, no generation")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after the first")
    args = parser.parse_args(argv)

    folder = tempfile.mkdtemp(prefix="bench_viewer_")
    path = args.db or str(Path(folder) / "bench_viewer.duckdb")
    if not args.reuse:
        Path(path).unlink(missing_ok=True)
        seconds = generate(path, args.series)
        print(f"generated {args.series:,} series into {path} in {seconds:.1f} s")

    rows = []
    with queries.open_source("duckdb", path) as source:
        counts = queries.totals(source)
        print(
            f"database: {counts['series']:,} series, {counts['studies']:,} studies, "
            f"{counts['persons']:,} persons, {counts['images']:,} images"
        )
        for page, steps in pages(queries.date_bounds(source)).items():
            for name, step in steps:
                started = time.perf_counter()
                step(source)
                first = time.perf_counter() - started
                runs = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    step(source)
                    runs.append(time.perf_counter() - started)
                rows.append((page, name, first, statistics.median(runs) if runs else first))

    print()
    print(f"{'page':<26} {'query':<30} {'first s':>8} {'median s':>9}")
    print("-" * 76)
    slow = []
    for page, name, first, median in rows:
        flag = "" if first < TARGET_SECONDS or page.startswith("export") else "  > 2 s"
        if flag:
            slow.append(name)
        print(f"{page:<26} {name:<30} {first:>8.3f} {median:>9.3f}{flag}")
    print("-" * 76)
    for page in dict.fromkeys(page for page, *_ in rows):
        total = sum(first for name_page, _name, first, _median in rows if name_page == page)
        print(f"{page:<26} {'(all queries, first run)':<30} {total:>8.3f}")
    print(
        "\nno baseline: seed 002's viewer published no query times"
        if not slow
        else f"\nover the {TARGET_SECONDS:.0f} s target: {', '.join(slow)}"
    )
    if not args.keep and not args.db:
        Path(path).unlink(missing_ok=True)
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
