// Public entry point for serving embedded files from a route: #include <cortado/asset.h>
#pragma once
#include "routing/asset.h"
