#pragma once
#include "testserver.h"
