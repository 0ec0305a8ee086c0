#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace cortado {

// The URL path a route file serves, derived from its path inside the routes folder:
//
//   index.cpp                 → REST      /
//   health.cpp                → REST      /health
//   api/rooms.cpp             → REST      /api/rooms
//   api/rooms/[room].cpp      → REST      /api/rooms/<room>      (parameter "room")
//   api/index.cpp             → REST      /api
//   chat.ws.cpp               → WebSocket /chat
//
// Segments may use letters, digits, '-', '_' and '.'; a parameter is a whole segment "[name]".
class RoutePath
{
public:
    enum class Kind { Rest, WebSocket };

    // Parses a file path relative to the routes folder ("api/rooms/[room].cpp").
    static std::optional<RoutePath> fromFile(const QString &relativeFile, QString *error = nullptr);

    Kind kind() const { return m_kind; }
    const QString &file() const { return m_file; }
    // The path as people write it: "/api/rooms/<room>".
    QString pattern() const;
    QStringList parameterNames() const;

    // Matches already split and percent-decoded request path segments; returns the parameters.
    std::optional<QHash<QString, QString>> match(const QStringList &segments) const;

    // Orders routes so that a static segment wins over a parameter at the same position
    // ("/api/rooms/stats" before "/api/rooms/<room>").
    bool isMoreSpecificThan(const RoutePath &other) const;

    // Splits "/a/b%2Fc/" into {"a", "b/c"}; std::nullopt for paths that can never match
    // (not starting with '/', empty inner segments, bad percent-encoding).
    static std::optional<QStringList> splitRequestPath(const QString &encodedPath);

private:
    struct Segment
    {
        QString text; // literal text, or the parameter name
        bool isParameter = false;
    };

    Kind m_kind = Kind::Rest;
    QString m_file;
    QList<Segment> m_segments;
};

} // namespace cortado
