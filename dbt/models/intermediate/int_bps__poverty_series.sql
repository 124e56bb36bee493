{#- The BPS poverty series of Jember, one row per year: a delivered BPS file wins over the
    reference seed for the same year, figure by figure, and the seed fills what no delivery
    has. Each figure says where it came from. mart_kabupaten (the latest year of each figure)
    and the meeting report's trend (rpt_bps_trend) read it, so both show the same numbers. -#}
with

-- the delivered series: one row per year (on a repeat of a year, the file whose path sorts
-- last, then the later row)
delivered as (
    select *
    from {{ ref('int_bps__poverty_cleaned') }}
    where not is_repeat_delivery and tahun is not null
    qualify row_number() over (
            partition by tahun
            order by source_path desc, sheet desc, row_number desc
        ) = 1
),

reference as (
    select * from {{ ref('bps_kemiskinan_jember') }}
)

select
    coalesce(delivered.tahun, reference.tahun) as tahun,
    coalesce(delivered.persen_miskin, reference.persen_miskin) as persen_miskin,
    case when delivered.persen_miskin is not null then 'delivered' else 'reference' end
        as persen_miskin_source,
    coalesce(delivered.jumlah_miskin_ribu, reference.jumlah_miskin_ribu) as jumlah_miskin_ribu,
    case when delivered.jumlah_miskin_ribu is not null then 'delivered' else 'reference' end
        as jumlah_miskin_source,
    coalesce(delivered.garis_kemiskinan_rp, reference.garis_kemiskinan_rp)
        as garis_kemiskinan_rp,
    case when delivered.garis_kemiskinan_rp is not null then 'delivered' else 'reference' end
        as garis_kemiskinan_source,
from delivered
full outer join reference on reference.tahun = delivered.tahun
