{#- PKH files with families whose paid amount does not match their components. -#}
select
    file as source_path,
    count(*) as keluarga
from (select unnest(rupiah_mismatch_files) as file from {{ ref('int_pkh_families') }})
group by file
