// The tables storage keeps (created at start-up when missing). Internal to the storage library.
#pragma once

#include <QSqlQuery>
#include <QString>

namespace cortado::storage {

// Creates the tables that do not exist yet; false with `error` set when that fails.
bool createSchema(QSqlQuery &query, QString *error);

} // namespace cortado::storage
