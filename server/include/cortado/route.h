// Public entry point for route files: #include <cortado/route.h>
#pragma once
#include "routing/route.h"
