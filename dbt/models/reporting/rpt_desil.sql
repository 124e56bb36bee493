{#- DTKS families of the kabupaten by desil (1 = poorest), in chart order. -#}
select
    urutan,
    label,
    keluarga
from {{ ref('mart_kabupaten') }}
cross join lateral (
    values
    (1, 'desil 1', dtks_families_desil_1), (2, 'desil 2', dtks_families_desil_2),
    (3, 'desil 3', dtks_families_desil_3), (4, 'desil 4', dtks_families_desil_4),
    (5, 'desil 5', dtks_families_desil_5), (6, 'desil 6', dtks_families_desil_6),
    (7, 'desil 7', dtks_families_desil_7), (8, 'desil 8', dtks_families_desil_8),
    (9, 'desil 9', dtks_families_desil_9), (10, 'desil 10', dtks_families_desil_10),
    (11, 'tanpa desil', dtks_families_desil_unknown)
) as t (urutan, label, keluarga)
