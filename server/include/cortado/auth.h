// Public header: Authentication and authorization: token middleware, role checks, room guards (cortado::auth).
#pragma once
#include "auth/auth.h"
