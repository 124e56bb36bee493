{#- The rows of a staging model that are kept (no rejection_reason: the rejected ones are in
    rejected_rows), each with the village its region text names (int_region_names_matched).
    One rule for the four located sources; their int_<source>__<entity>_cleaned models are
    this macro and, for PKH, one flag more. -#}
{% macro kept_rows_with_village(staging_model) -%}
with

rows_in as (
    select * from {{ ref(staging_model) }}
    where rejection_reason is null
),

located as (
    select
        rows_in.* exclude (rejection_reason),
        {{ region_match_columns() }}
    from rows_in
    {{ join_region_match() }}
)

select * from located
{%- endmacro %}
