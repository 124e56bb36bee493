{#- What changed per village between this run's period and the latest earlier period in the
    history (NULL counts when there is none): households added and removed, desil changes, PKH
    graduation, koperasi stages advanced. A household is the same household across periods
    through its stable id (docs/resolution.md); one that moved village counts as removed in
    the old village and added in the new. -#}
with

period as (
    select * from {{ ref('int_reporting_period') }}
),

previous as (
    select max(history.period) as period
    from {{ ref('mart_desa_history') }} as history
    cross join period
    where history.period < period.period
),

now_households as (
    select history.*
    from {{ ref('mart_household_history') }} as history
    inner join period using (period)
),

before_households as (
    select history.*
    from {{ ref('mart_household_history') }} as history
    inner join previous using (period)
),

pairs as (
    select
        coalesce(now_households.household_id, before_households.household_id) as household_id,
        now_households.kode_desa as kode_desa_now,
        before_households.kode_desa as kode_desa_before,
        now_households.desil as desil_now,
        before_households.desil as desil_before,
        now_households.pkh_status as pkh_status_now,
        before_households.pkh_status as pkh_status_before,
        now_households.is_pkh_recipient as is_pkh_recipient_now,
        before_households.is_pkh_recipient as is_pkh_recipient_before,
    from now_households
    full outer join before_households using (household_id)
),

per_village as (
    select
        kode_desa_now as kode_desa,
        'added' as change
    from pairs
    where kode_desa_now is not null and kode_desa_now is distinct from kode_desa_before
    union all
    select
        kode_desa_before,
        'removed'
    from pairs
    where kode_desa_before is not null and kode_desa_before is distinct from kode_desa_now
    union all
    select
        kode_desa_now,
        case when desil_now < desil_before then 'desil_down' else 'desil_up' end
    from pairs
    where kode_desa_now = kode_desa_before and desil_now <> desil_before
    union all
    select
        kode_desa_now,
        'pkh_graduated'
    from pairs
    where kode_desa_now is not null and pkh_status_now = 'GRADUASI'
        and pkh_status_before is distinct from 'GRADUASI'
    union all
    select
        kode_desa_now,
        'pkh_joined'
    from pairs
    where kode_desa_now is not null and is_pkh_recipient_now and not coalesce(is_pkh_recipient_before, false)
        and kode_desa_before is not null
),

change_counts as (
    select
        kode_desa,
    {%- for change in ['added', 'removed', 'desil_down', 'desil_up', 'pkh_graduated', 'pkh_joined'] %}
    count(*) filter (where change = '{{ change }}') as households_{{ change }},
    {%- endfor %}
    from per_village
    group by kode_desa
),

desa_now as (
    select history.* from {{ ref('mart_desa_history') }} as history inner join period using (period)
),

desa_before as (
    select history.* from {{ ref('mart_desa_history') }} as history inner join previous using (period)
)

select
    desa_now.kode_desa,
    desa_now.kode_kecamatan,
    desa_now.nama_desa,
    desa_now.period,
    previous.period as previous_period,
    {%- for change in ['added', 'removed', 'desil_down', 'desil_up', 'pkh_graduated', 'pkh_joined'] %}
    case when previous.period is not null then coalesce(change_counts.households_{{ change }}, 0) end
        as households_{{ change }},
    {%- endfor %}
    desa_before.dtks_families as dtks_families_before,
    desa_now.dtks_families as dtks_families_now,
    desa_before.pkh_families_tahun_ini as pkh_families_before,
    desa_now.pkh_families_tahun_ini as pkh_families_now,
    desa_before.koperasi_tahapan_urutan as koperasi_tahapan_urutan_before,
    desa_now.koperasi_tahapan_urutan as koperasi_tahapan_urutan_now,
    case when previous.period is not null then
            coalesce(desa_now.koperasi_tahapan_urutan, 0) > coalesce(desa_before.koperasi_tahapan_urutan, 0)
    end as koperasi_stage_advanced,
from desa_now
cross join previous
left join desa_before on desa_before.kode_desa = desa_now.kode_desa
left join change_counts on change_counts.kode_desa = desa_now.kode_desa
