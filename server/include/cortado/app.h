// Public header: The composition an application's main() needs (cortado::App, registerAppRoutes).
#pragma once
#include "app/app.h"
