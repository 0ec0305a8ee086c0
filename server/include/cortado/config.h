// Public header: One configuration for a node, from defaults, CORTADO_* variables and options
// (cortado::Config; docs/configuration.md).
#pragma once
#include "config/config.h"
