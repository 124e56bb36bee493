{#- Person names for matching; the original NAMA stays for display.

    normalise_person_name: upper case, apostrophes dropped, degrees written with dots joined
    (`S.PD` -> `SPD`) so they can be recognised, every other non-letter a space, `BIN`/`BINTI`
    and what follows cut (never the first word), titles removed wherever they stand (`H.`,
    `HJ.`, `HAJI`, `DRS.`, `IR.`, `S.PD`, ...), and the many spellings of Muhammad
    (`MOHAMMAD`, `MOCH.`, `MOH.`, `MUH.`, `M.`) made one word; the short forms `ST.` (where the
    given name starts, after any honorific) and `ABD.` written out as `SITI` and `ABDUL`. Null
    when nothing is left.

    person_name_key: a coarser key over the normal form for blocking and frequency: old Dutch
    spellings folded (`OE` -> `U`, `DJ` -> `J`, `TJ` -> `C`, `CH` -> `KH` -> `H`,
    `J` -> `Y` -> `I`), doubled
    letters single, `H` after a vowel dropped (`FATIMAH` = `FATIMA`), spaces removed. -#}

{% macro person_name_titles() -%}
    'H', 'HJ', 'HAJI', 'HAJJAH', 'HJH', 'KH', 'DRS', 'DRA', 'DR', 'IR', 'PROF', 'NY', 'NYI',
    'TN', 'BPK', 'BP', 'SDR', 'SDRI', 'ALM', 'ALMH', 'ALMARHUM', 'ALMARHUMAH',
    'SPD', 'SPDI', 'MPD', 'SAG', 'MAG', 'SE', 'SH', 'SHI', 'MH', 'SKM', 'SKEP', 'SSOS', 'SIP',
    'ST', 'MT', 'SKOM', 'SAP', 'SPSI', 'SFARM', 'SKED', 'SHUT', 'SP', 'SSI', 'SSN', 'AMD',
    'AMKEP', 'AMPD', 'MM', 'MSI', 'BA', 'BSC', 'LC'
{%- endmacro %}

{% macro person_name_muhammad_forms() -%}
    'MUHAMMAD', 'MUHAMAD', 'MUHAMMED', 'MUHAMED', 'MOHAMMAD', 'MOHAMAD', 'MOHAMMED',
    'MOHAMED', 'MOCHAMMAD', 'MOCHAMAD', 'MOCHAMMED', 'MOKHAMMAD', 'MOKHAMAD', 'MUCHAMMAD',
    'MUCHAMAD', 'MOCH', 'MOH', 'MUH', 'MUHD', 'MHD', 'MOHD', 'M'
{%- endmacro %}

{% macro normalise_person_name(column) -%}
nullif(
    array_to_string(
        list_transform(
            list_filter(
                string_split(
                    trim(regexp_replace(regexp_replace(
                        -- BIN/BINTI and everything after it, unless it is the first word
                        regexp_replace(
                            ' ' || trim(regexp_replace(
                                regexp_replace(
                                    regexp_replace(upper(coalesce({{ column }}, '')), '[''`]', '', 'g'),
                                    '\b([SAM])\s*\.\s*(PDI|PD|AG|SOS|KEP|KOM|KM|IP|HI|HUT|H|E|T|AP|PSI|FARM|KED|SI|SN|MD|P)\b',
                                    '\1\2', 'g'
                                ),
                                '[^A-Z]+', ' ', 'g'
                            )) || ' ',
                            '^( \S+.*?) (BIN|BINTI) .*$', '\1 '
                        ),
                        '\s+', ' ', 'g'
                    ),
                    -- ST. is SITI where a given name starts (after any honorific); a degree
                    -- (S.T.) follows the name, so elsewhere ST stays a title
                    '^((?: (?:H|HJ|HJH|HAJI|HAJJAH|NY|NYI|ALM|ALMH))*) ST ', '\1 SITI '
                    )),
                    ' '
                ),
                lambda t: t <> '' and t not in ({{ person_name_titles() }})
            ),
            lambda t: case
                when t in ({{ person_name_muhammad_forms() }}) then 'MUHAMMAD'
                -- ABD. is the usual short form of ABDUL (ABD. RAHMAN)
                when t = 'ABD' then 'ABDUL'
                else t
            end
        ),
        ' '
    ),
    ''
)
{%- endmacro %}

{% macro person_name_key(normal_column) -%}
{%- set folded -%}
regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    replace(coalesce({{ normal_column }}, ''), ' ', ''),
    'DJ', 'J', 'g'), 'TJ', 'C', 'g'), 'CH', 'KH', 'g'), 'KH', 'H', 'g'), 'SJ', 'SY', 'g'), 'OE', 'U', 'g'), 'J', 'Y', 'g'), 'Y', 'I', 'g')
{%- endset -%}
{%- set ns = namespace(expr=folded) -%}
{%- for letter in 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' -%}
    {%- set ns.expr = "replace(" ~ ns.expr ~ ", '" ~ letter ~ letter ~ "', '" ~ letter ~ "')" -%}
{%- endfor -%}
nullif(regexp_replace({{ ns.expr }}, '([AIUEO])H', '\1', 'g'), '')
{%- endmacro %}

{#- Two names (or name keys) one letter apart: one letter typed wrong, dropped or added, both
    at least min_length letters. Used for the normal forms (FITRIANI / FUTRIANI,
    int_person_pairs_compared.is_name_one_letter_off) and for the keys, where it is a letter
    typo beside a spelling the key folds (FAHMI / FAMHI, RESA / REZA;
    is_name_key_one_letter_off and int_person_card_move_pairs). False, not null, when a value
    is missing. A CASE: Levenshtein runs only for two different values whose lengths allow one
    edit (DuckDB would evaluate it for every pair in an AND). -#}
{% macro names_one_letter_apart(name_a, name_b, min_length) -%}
case
    when {{ name_a }} <> {{ name_b }} and abs(length({{ name_a }}) - length({{ name_b }})) <= 1
        and least(length({{ name_a }}), length({{ name_b }})) >= {{ min_length }}
        then levenshtein({{ name_a }}, {{ name_b }}) = 1
    else false
end
{%- endmacro %}
