#pragma once

// Registers the console's C++ types for QML (module "Cortado.Console").
void registerConsoleTypes();
