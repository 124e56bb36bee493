{#- DTKS per village, every village of the reference list (0 where nothing is placed):
    - rows: kept DTKS rows placed in the village (with and without repeated deliveries), and
      how many of the first-delivery rows carry a valid NIK or are PADAN;
    - persons: a resolved person (int_person_xref.person_id) counts in the village of their
      latest DTKS row (by TANGGAL_UPDATE), so a mover counts once, where they live now;
      rows merged into a person already listed in the same village are counted apart;
    - households: a resolved household (mart_household) counts in its village, by desil, with
      its living members, and whether a PKH family of the year points to it (the coverage
      numerators of mart_desa). -#}
with

villages as (
    select kode_desa from {{ ref('dim_wilayah') }}
),

dtks_row_counts as (
    select
        kode_desa,
        count(*) as dtks_rows,
        count(*) filter (where not is_repeat_delivery) as dtks_rows_first_delivery,
        count(*) filter (where not is_repeat_delivery and is_nik_valid) as dtks_rows_nik_valid,
        count(*) filter (where not is_repeat_delivery and is_padan) as dtks_rows_padan,
    from {{ ref('int_dtks__persons_cleaned') }}
    where kode_desa is not null
    group by kode_desa
),

-- each resolved person's latest DTKS row, and how many rows of each village they hold
dtks_person_rows as (
    select
        person_id,
        kode_desa,
        recency
    from {{ ref('int_dtks_rows_placed') }}
),

dtks_person_counts as (
    select
        kode_desa,
        count(*) as dtks_persons
    from (
        select
            person_id,
            arg_max(kode_desa, recency) as kode_desa
        from dtks_person_rows
        group by person_id
    )
    where kode_desa is not null
    group by kode_desa
),

-- rows that resolution merged into a person already listed in the same village
dtks_duplicates as (
    select
        kode_desa,
        count(*) - count(distinct person_id) as dtks_duplicates_merged
    from dtks_person_rows
    where kode_desa is not null
    group by kode_desa
),

households as (
    select * from {{ ref('mart_household') }}
    where kode_desa is not null
),

household_counts as (
    select
        kode_desa,
        count(*) as dtks_families,
        {%- for d in range(1, 11) %}
        count(*) filter (where desil = {{ d }}) as dtks_families_desil_{{ d }},
        {%- endfor %}
        count(*) filter (where desil is null) as dtks_families_desil_unknown,
        count(*) filter (where desil between 1 and 2) as dtks_families_desil_1_2,
        count(*) filter (where desil between 1 and 4) as dtks_families_desil_1_4,
        coalesce(sum(member_count) filter (where desil between 1 and 2), 0) as dtks_persons_desil_1_2,
        coalesce(sum(member_count) filter (where desil between 1 and 4), 0) as dtks_persons_desil_1_4,
        count(*) filter (where desil between 1 and 2 and is_pkh_recipient) as pkh_families_desil_1_2,
        count(*) filter (where desil between 1 and 4 and is_pkh_recipient) as pkh_families_desil_1_4,
    from households
    group by kode_desa
)

select
    villages.kode_desa,
    {%- for column in ['dtks_rows', 'dtks_rows_first_delivery', 'dtks_rows_nik_valid', 'dtks_rows_padan'] %}
    coalesce(dtks_row_counts.{{ column }}, 0) as {{ column }},
    {%- endfor %}
    coalesce(dtks_person_counts.dtks_persons, 0) as dtks_persons,
    coalesce(dtks_duplicates.dtks_duplicates_merged, 0) as dtks_duplicates_merged,
    coalesce(household_counts.dtks_families, 0) as dtks_families,
    {%- for d in range(1, 11) %}
    coalesce(household_counts.dtks_families_desil_{{ d }}, 0) as dtks_families_desil_{{ d }},
    {%- endfor %}
    {%- for column in ['dtks_families_desil_unknown', 'dtks_families_desil_1_2', 'dtks_families_desil_1_4',
                       'dtks_persons_desil_1_2', 'dtks_persons_desil_1_4'] %}
    coalesce(household_counts.{{ column }}, 0)::bigint as {{ column }},
    {%- endfor %}
    coalesce(household_counts.pkh_families_desil_1_2, 0) as pkh_families_desil_1_2,
    coalesce(household_counts.pkh_families_desil_1_4, 0) as pkh_families_desil_1_4,
from villages
left join dtks_row_counts on dtks_row_counts.kode_desa = villages.kode_desa
left join dtks_person_counts on dtks_person_counts.kode_desa = villages.kode_desa
left join dtks_duplicates on dtks_duplicates.kode_desa = villages.kode_desa
left join household_counts on household_counts.kode_desa = villages.kode_desa
