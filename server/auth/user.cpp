#include "user.h"

using namespace Qt::StringLiterals;

namespace cortado::auth {

QVariantMap User::toData() const
{
    QVariantMap map{{u"id"_s, id}, {u"name"_s, name}, {u"roles"_s, roles},
                    {u"claims"_s, claims.toVariantMap()}};
    if (expiresAt)
        map.insert(u"expiresAt"_s, *expiresAt);
    return map;
}

std::optional<User> User::fromData(const QVariantMap &data)
{
    const QVariant stored = data.value(UserKey);
    if (!stored.isValid())
        return std::nullopt;
    const QVariantMap map = stored.toMap();
    User user;
    user.id = map.value(u"id"_s).toString();
    user.name = map.value(u"name"_s).toString();
    user.roles = map.value(u"roles"_s).toStringList();
    user.claims = QJsonObject::fromVariantMap(map.value(u"claims"_s).toMap());
    if (map.contains(u"expiresAt"_s))
        user.expiresAt = map.value(u"expiresAt"_s).toDateTime();
    return user;
}

} // namespace cortado::auth
