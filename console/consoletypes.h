#pragma once

// Registers the console's C++ types for QML (module "Cortado.Console") and sets its style (Material).
void registerConsoleTypes();
