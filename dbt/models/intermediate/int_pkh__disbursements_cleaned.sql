{#- The rows of stg_pkh__disbursements that are kept (not in rejected_rows), each with its village.
    A row that repeats an earlier row of the same file for the same family, year, stage and
    amount (a block pasted twice: data ganda) stays here, flagged `is_duplicate_disbursement`,
    so it is still accounted for; every count of money or stages leaves it out, because one
    family is paid once per stage (raw contract: one row per family per disbursement stage). -#}
with

located as (
    {{ kept_rows_with_village('stg_pkh__disbursements') }}
)

select
    located.*,
    located.id_pkh is not null
    and located.tahun is not null
    and located.tahap is not null
    and row_number() over (
        partition by located.source_path, located.id_pkh, located.tahun, located.tahap, located.nominal
        order by located.sheet, located.row_number
    ) > 1 as is_duplicate_disbursement,
from located
