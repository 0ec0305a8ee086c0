// Public header: cluster mode — several nodes behind one Redis act as one server (docs/cluster.md).
#pragma once
#include "cluster/cluster.h"
