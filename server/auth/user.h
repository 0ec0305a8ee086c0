#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QStringList>
#include <QVariantMap>

#include <optional>

namespace cortado::auth {

// The authenticated user, as the token described them. Stored on the request / socket context
// under data["user"] (as a QVariantMap, so generic code such as the admin feed can show it).
struct User
{
    QString id; // the token's "sub"
    QString name; // "name", else "preferred_username", else the id
    QStringList roles; // "roles" (array) or "role" (string)
    QJsonObject claims; // every claim of the token
    std::optional<QDateTime> expiresAt; // from "exp"

    bool hasRole(const QString &role) const { return roles.contains(role); }

    QVariantMap toData() const;
    static std::optional<User> fromData(const QVariantMap &data); // reads data["user"]
};

inline constexpr QLatin1String UserKey{"user"};

} // namespace cortado::auth
