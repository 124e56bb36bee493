"""The pipeline's code: ingestion, the dbt assets, the quality gate, publishing, the report."""

import os

# Arrow allocates with the C library's malloc, not the mimalloc pool its wheels bundle, in every
# process of ours (an environment variable pyarrow reads when it is first imported, which is after
# this package's; the dbt worker inherits it). Ingestion reads files in threads, and mimalloc kept
# the pages those threads freed: at kit `jember` the pipeline's process held 0.67 GiB beside dbt
# instead of 0.58 GiB, with malloc 0.53 GiB, and ingestion alone peaked at 0.96 GiB instead of
# 1.08 GiB, 0.2 s faster (docs/benchmarks.md, "Ingestion on two cores, Arrow on malloc"). A
# setting of the operator's own wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
