{#- The rows of stg_pkh__disbursements that are kept (not in rejected_rows), each with its village.
    A row that repeats an earlier row of the same file for the same family, year, stage and
    amount (a block pasted twice: data ganda) stays here, flagged `is_duplicate_disbursement`,
    so it is still accounted for; every count of money or stages leaves it out, because one
    family is paid once per stage (raw contract: one row per family per disbursement stage).
    For the same reason a stage listed again in a later delivery (a re-export that is not the
    same bytes, a corrected list) speaks through its latest row, as every "latest row" here:
    the later path, then sheet, then row. The rows it replaces are `is_stage_listed_later`. -#}
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
    located.id_pkh is not null
    and located.tahun is not null
    and located.tahap is not null
    and not located.is_repeat_delivery
    and row_number() over (
        partition by located.id_pkh, located.tahun, located.tahap, located.is_repeat_delivery
        order by located.source_path desc, located.sheet desc, located.row_number desc
    ) > 1 as is_stage_listed_later,
from located
