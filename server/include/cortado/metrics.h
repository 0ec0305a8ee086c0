// Public header: Prometheus metrics of a node (docs/metrics.md).
#pragma once
#include "metrics/exporter.h"
