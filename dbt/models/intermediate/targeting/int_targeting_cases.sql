{#- Targeting problems: one row per kind and family. The rules live here and only here.
    A family is the resolved DTKS household (`household_id`), or, for a PKH family DTKS does not
    know, its ID_PKH (`family_key` = 'PKH-' || id_pkh). Only the PKH year's lists are looked at
    (int_pkh_year.pkh_tahun); repeat deliveries never count.

    - inclusion: a PKH family in the programme this year (AKTIF in some stage, or paid) that is
      not in DTKS at all, or whose DTKS rows all carry desil 6 or above;
    - exclusion: a DTKS household whose latest desil is 1 or 2, with a living member who
      certainly counts in a PKH component (int_household_members), that no PKH row of the year
      points to, unless it is a suspected fragment of a neighbour family (int_households_dtks);
    - duplicate_aid: one household paid under two or more ID_PKH that share the card or the
      recipient, or a person who is the paid
      recipient of two or more ID_PKH: the ID_PKH whose family is not the recipient's own
      household is the case;
    - deceased_recipient: a PKH family paid this year whose recipient's latest DTKS row says
      MENINGGAL;
    - component_mismatch: NOMINAL of a paid stage differs from what the written components give
      (pkh_komponen seed, four best-paid members, a quarter a stage), or the last paid stage's
      count of a component, or its sum over a set of components one member could take, lies
      outside what the household's DTKS members allow (int_household_components),
      unless who belongs to the household is itself uncertain (int_households_dtks). -#}
with

pkh_year as (
    select * from {{ ref('int_pkh_year') }}
),

families as (
    select * from {{ ref('int_pkh_families') }}
),

households as (
    select * from {{ ref('int_households_dtks') }}
),

members as (
    select * from {{ ref('int_household_members') }}
),

-- each DTKS person once: alive or not, and the household they live in now
dtks_persons as (
    select
        person_id,
        household_id as current_household_id,
        is_alive
    from members
    where is_current
),

-- households any PKH row of the year points to
households_on_pkh_lists as (
    select distinct xref.household_id
    from {{ ref('int_pkh__disbursements_cleaned') }} as pkh
    cross join pkh_year
    inner join {{ ref('int_person_xref') }} as xref on xref.record_key = pkh.row_key
    where not pkh.is_repeat_delivery and pkh.tahun = pkh_year.pkh_tahun
        and xref.household_id is not null
),

inclusion as (
    select
        'inclusion' as kind,
        families.id_pkh,
        families.household_id,
        families.recipient_person_id,
        case
            when families.household_id is null
                then 'ID_PKH ' || families.id_pkh || ' tidak ditemukan di DTKS (NO_KK, NIK pengurus dan nama tidak cocok)'
            else 'ID_PKH ' || families.id_pkh || ': keluarga di DTKS dengan desil ' || households.desil_min::varchar
                || case when households.desil_max > households.desil_min then '-' || households.desil_max::varchar else '' end
        end as evidence,
    from families
    left join households using (household_id)
    left join dtks_persons on dtks_persons.person_id = families.recipient_person_id
    where families.is_in_programme
        and (
            (families.household_id is null and dtks_persons.person_id is null)
            or households.desil_min >= 6
        )
),

certain_components as (
    select
        household_id,
        string_agg(
            komponen_pasti || ' ' || n::varchar, ', '
            order by komponen_pasti
        ) as components,
    from (
        select
            household_id,
            komponen_pasti,
            count(*) as n
        from members
        where is_current and is_alive is distinct from false and komponen_pasti is not null
        group by all
    )
    group by household_id
),

exclusion as (
    select
        'exclusion' as kind,
        null::varchar as id_pkh,
        households.household_id,
        null::varchar as recipient_person_id,
        'desil ' || households.desil::varchar || ', anggota memenuhi komponen PKH ('
        || certain_components.components || '), tidak ada di daftar PKH '
        || pkh_year.pkh_tahun::varchar as evidence,
    from households
    cross join pkh_year
    inner join certain_components using (household_id)
    left join households_on_pkh_lists using (household_id)
    where pkh_year.pkh_tahun is not null
        and households.desil between 1 and 2
        and households_on_pkh_lists.household_id is null
        and not households.is_card_typo_fragment
),

paid as (
    select * from families
    where is_paid
),

-- two paid ID_PKH of one household that are one family: the same card or the same recipient
-- (a household can hold two PKH families when resolution joined two cards, so the household
-- link alone is not enough)
household_paid_twice as (
    select
        'duplicate_aid' as kind,
        a.id_pkh,
        a.household_id,
        null::varchar as recipient_person_id,
        'satu keluarga dibayar dengan 2 ID_PKH: ' || least(a.id_pkh, b.id_pkh) || ', '
        || greatest(a.id_pkh, b.id_pkh)
        || case when a.no_kk = b.no_kk then ' (NO_KK sama)' else ' (pengurus sama)' end as evidence,
    from paid as a
    inner join paid as b
        on b.household_id = a.household_id
            and b.id_pkh <> a.id_pkh
            and (a.no_kk = b.no_kk or a.recipient_person_id = b.recipient_person_id)
),

recipient_paid_twice as (
    select
        'duplicate_aid' as kind,
        paid.id_pkh,
        paid.household_id,
        paid.recipient_person_id,
        'pengurus yang sama menerima PKH untuk ' || twice.n::varchar
        || ' ID_PKH; ID_PKH ' || paid.id_pkh || ' bukan keluarganya sendiri' as evidence,
    -- the outer query reads `paid` too; sqlfluff's AL04 takes that for a second alias
    from paid  -- noqa: AL04
    inner join (
        select
            recipient_person_id,
            count(*) as n
        from paid
        where recipient_person_id is not null
        group by all
        having count(*) > 1
    ) as twice using (recipient_person_id)
    left join dtks_persons on dtks_persons.person_id = paid.recipient_person_id
    where paid.household_id is distinct from dtks_persons.current_household_id
),

deceased as (
    select
        'deceased_recipient' as kind,
        paid.id_pkh,
        paid.household_id,
        paid.recipient_person_id,
        'PKH dibayar ' || paid.stages_paid::varchar || ' tahap (Rp ' || paid.nominal_rp::bigint::varchar
        || ') kepada pengurus yang tercatat MENINGGAL di DTKS' as evidence,
    from paid
    inner join dtks_persons on dtks_persons.person_id = paid.recipient_person_id
    where dtks_persons.is_alive = false
),

-- the last paid stage's counts summed over each component set of the household
component_sums as (
    select
        families.id_pkh,
        components.komponen_set,
        any_value(components.jumlah_min) as jumlah_min,
        any_value(components.jumlah_max) as jumlah_max,
        sum(written.jumlah) as jumlah,
    -- the unpivot below reads `families` too (AL04 takes that for a second alias)
    from families  -- noqa: AL04
    -- the counts of the last paid stage (an unpaid stage's blank or 0 counts say nothing)
    inner join (
        unpivot (select id_pkh, {{ pkh_component_count_columns('paid_') }} from families)
        on {{ pkh_component_count_columns() }}
        into name kolom value jumlah
    ) as written using (id_pkh)
    inner join {{ ref('int_household_components') }} as components
        on components.household_id = families.household_id
            and list_contains(components.komponen_set, replace(written.kolom, 'jumlah_', ''))
    inner join households on households.household_id = families.household_id
    where not households.is_composition_uncertain
    group by families.id_pkh, components.komponen_set
),

count_mismatch as (
    select
        id_pkh,
        string_agg(
            array_to_string(komponen_set, '+') || ' PKH ' || jumlah::varchar || ', DTKS '
            || case when jumlah_min = jumlah_max then jumlah_min::varchar
                else jumlah_min::varchar || '-' || jumlah_max::varchar
            end,
            '; '
            order by len(komponen_set), komponen_set
        ) as detail,
    from (
        select * from component_sums
        where jumlah < jumlah_min or jumlah > jumlah_max
        -- a set is named only when none of its single components is named already
        qualify len(komponen_set) = 1
            or not list_has_any(
                komponen_set,
                coalesce(
                    list(komponen_set[1]) filter (where len(komponen_set) = 1) over (partition by id_pkh),
                    []
                )
            )
    )
    group by id_pkh
),

component_mismatch as (
    select
        'component_mismatch' as kind,
        families.id_pkh,
        families.household_id,
        families.recipient_person_id,
        concat_ws(
            '; ',
            case when families.has_rupiah_mismatch then
                    'NOMINAL Rp ' || families.nominal_mismatch_rp::bigint::varchar || ' per tahap, komponen tertulis memberi Rp '
                    || families.expected_stage_rp::bigint::varchar
            end,
            case when count_mismatch.detail is not null then
                    'jumlah komponen tidak sesuai anggota DTKS: ' || count_mismatch.detail
            end
        ) as evidence,
    from families
    left join count_mismatch using (id_pkh)
    where families.has_rupiah_mismatch or count_mismatch.id_pkh is not null
),

all_cases as (
    select * from inclusion
    union all
    select * from exclusion
    union all
    select * from household_paid_twice
    union all
    select * from recipient_paid_twice
    union all
    select * from deceased
    union all
    select * from component_mismatch
),

-- who must act and what they must do, per kind
actions as (
    select
        kind,
        instansi,
        tindakan
    from {{ ref('targeting_kinds') }}
)

select
    all_cases.kind,
    coalesce(all_cases.household_id, 'PKH-' || min(all_cases.id_pkh)) as family_key,
    all_cases.household_id,
    coalesce(households.kode_desa, min(families.kode_desa)) as kode_desa,
    string_agg(
        distinct all_cases.id_pkh, ', '
        order by all_cases.id_pkh
    ) as id_pkh_list,
    min(all_cases.recipient_person_id) as recipient_person_id,
    string_agg(
        distinct all_cases.evidence, ' | '
        order by all_cases.evidence
    ) as evidence,
    actions.instansi,
    actions.tindakan,
from all_cases
left join households using (household_id)
left join families using (id_pkh)
inner join actions using (kind)
group by
    all_cases.kind, all_cases.household_id, households.kode_desa, actions.instansi, actions.tindakan,
    case when all_cases.household_id is null then all_cases.id_pkh end
