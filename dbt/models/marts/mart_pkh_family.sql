{#- One row per PKH family (ID_PKH) on the lists of the PKH year (analyst tier: ID_PKH, the
    household and the recipient are published as keyed pseudonyms, no NIK or name): where it
    is, what the lists say (status, components, rupiah), what the components should give, the
    DTKS household it belongs to, and its targeting problems (int_targeting_cases). PKH
    families that DTKS does not know are here too, which mart_household cannot show. -#}
with

families as (
    select * from {{ ref('int_pkh_families') }}
),

households as (
    select
        household_id,
        desil
    from {{ ref('int_households_dtks') }}
),

-- each case applies to the ID_PKH it names (int_targeting_cases.id_pkh_list: a component
-- mismatch or a deceased recipient names one of a household's ID_PKH, not all of them)
family_cases as (
    select
        unnest(string_split(id_pkh_list, ', ')) as id_pkh,
        kind
    from {{ ref('int_targeting_cases') }}
    where id_pkh_list is not null
),

cases as (
    select
        id_pkh,
    {%- for kind in targeting_kinds() %}
    bool_or(kind = '{{ kind }}') as is_{{ kind }},
    {%- endfor %}
    from family_cases
    where kind <> 'exclusion'
    group by id_pkh
)

select
    families.id_pkh,
    families.tahun,
    families.kode_desa,
    {{ kode_kecamatan_of('families.kode_desa') }} as kode_kecamatan,
    families.household_id,
    families.recipient_person_id,
    households.desil,
    families.status_kpm,
    {%- for k in pkh_components() %}
    families.jumlah_{{ k }},
    {%- endfor %}
    families.stages_listed,
    families.stages_paid,
    families.nominal_rp,
    families.stages_listed_again,
    families.duplicate_disbursement_rows,
    families.expected_stage_rp,
    families.stages_rupiah_mismatch,
    families.is_in_programme,
    families.is_paid,
    families.household_id is null as is_unknown_to_dtks,
    coalesce(cases.is_inclusion, false) as is_inclusion_candidate,
    coalesce(cases.is_duplicate_aid, false) as is_duplicate_aid_case,
    coalesce(cases.is_deceased_recipient, false) as is_deceased_recipient,
    coalesce(cases.is_component_mismatch, false) as is_component_mismatch,
from families
left join households using (household_id)
left join cases using (id_pkh)
