{#- The evidence behind the delivery-completeness checks, one row per kecamatan and check, in
    words for the meeting. The report keeps the rows beyond the failing expectation's own limit
    (read from the gate's verdict), so no limit is repeated here. -#}
select
    check_name,
    coalesce(nama_kecamatan, '(tidak diketahui dari nama file)') as nama_kecamatan,
    source,
    case when check_name = 'file_unreadable' then source_path else '' end as source_path,
    share_of_previous,
    pkh_unknown_share,
    case check_name
        when 'file_unreadable' then 'file tidak dapat dibaca: ' || coalesce(message, '')
        when 'persons_vs_previous_period'
            then 'jiwa DTKS turun dari ' || persons_before || ' (periode '
                || previous_period || ') menjadi ' || persons_now
        when 'pkh_families_unknown_to_dtks' then message || ' (data DTKS kecamatan ini tampaknya hilang)'
    end as alasan
from {{ ref('int_delivery_completeness') }}
where check_name in ('file_unreadable', 'persons_vs_previous_period', 'pkh_families_unknown_to_dtks')
