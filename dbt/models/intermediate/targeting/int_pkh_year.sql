{#- The PKH year the targeting rules look at, one row: the latest TAHUN in the PKH lists (ages
    for PKH components are taken on 1 January of it); a year before 2000 or after next year
    is a typing error. From the PKH lists alone, not with the month the data describes
    (int_data_period, which reads the koperasi reports too): what the targeting rules build
    then follows from the DTKS and PKH files only, and a koperasi report alone leaves it as it
    is (dagster_project/transform/person_tables.py). -#}
select max(tahun) as pkh_tahun
from {{ ref('int_pkh__disbursements_cleaned') }}
where not is_repeat_delivery and tahun between 2000 and year(current_date) + 1
