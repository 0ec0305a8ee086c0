#include "schema.h"

#include "database.h"

using namespace Qt::StringLiterals;

namespace cortado::storage {

// cortado_history: every stored message (the frame as sent, offset included);
// cortado_rooms: each room's last stored offset; cortado_offsets: offsets reserved ahead of use
// (a start continues above them); cortado_documents: the latest body of each document.
bool createSchema(QSqlQuery &query, QString *error)
{
    return exec(query, u"CREATE TABLE IF NOT EXISTS cortado_history (route TEXT NOT NULL, room TEXT NOT NULL, "
                    u"seq BIGINT NOT NULL, created_at BIGINT NOT NULL, frame TEXT NOT NULL, "
                    u"PRIMARY KEY (route, room, seq))"_s, error)
        && exec(query, u"CREATE TABLE IF NOT EXISTS cortado_rooms (route TEXT NOT NULL, room TEXT NOT NULL, "
                       u"last_seq BIGINT NOT NULL, PRIMARY KEY (route, room))"_s, error)
        // Offsets reserved ahead of use: the next start continues above them (never reused).
        && exec(query, u"CREATE TABLE IF NOT EXISTS cortado_offsets (route TEXT NOT NULL, room TEXT NOT NULL, "
                       u"reserved_seq BIGINT NOT NULL, PRIMARY KEY (route, room))"_s, error)
        && exec(query, u"CREATE TABLE IF NOT EXISTS cortado_documents (collection TEXT NOT NULL, "
                       u"doc_key TEXT NOT NULL, body TEXT NOT NULL, updated_at BIGINT NOT NULL, "
                       u"PRIMARY KEY (collection, doc_key))"_s, error);
}

} // namespace cortado::storage
