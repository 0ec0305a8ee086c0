#include "roomsmodel.h"

using namespace Qt::StringLiterals;

int RoomsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rooms.size());
}

QVariant RoomsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Room &room = m_rooms.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case RoomRole: return room.room;
    case RouteRole: return room.route;
    case MembersRole: return room.members;
    case HistoryLengthRole: return room.historyLength.toVariant();
    case OffsetRole: return room.offset.toVariant();
    case PresenceRole: return room.users.toVariantList();
    case PresenceTextRole: {
        QStringList users;
        for (const QJsonValue &user : room.users) {
            const QJsonObject entry = user.toObject();
            users.append(u"%1 (%2%3)"_s.arg(entry.value("name"_L1).toString(), entry.value("status"_L1).toString(),
                                            entry.value("connections"_L1).toInt() > 1
                                                    ? u", %1 tabs"_s.arg(entry.value("connections"_L1).toInt())
                                                    : QString()));
        }
        if (room.presenceCount > room.users.size())
            users.append(u"+%1 more"_s.arg(room.presenceCount - room.users.size()));
        return users.join(u", "_s);
    }
    }
    return {};
}

QHash<int, QByteArray> RoomsModel::roleNames() const
{
    return {{RouteRole, "route"}, {RoomRole, "room"}, {MembersRole, "members"}, {HistoryLengthRole, "historyLength"},
            {OffsetRole, "offset"}, {PresenceRole, "presence"}, {PresenceTextRole, "presenceText"}};
}

QVariantMap RoomsModel::at(int row) const
{
    if (row < 0 || row >= m_rooms.size())
        return {};
    return {{u"route"_s, m_rooms.at(row).route}, {u"room"_s, m_rooms.at(row).room}};
}

int RoomsModel::indexOf(const QString &route, const QString &room) const
{
    for (int row = 0; row < m_rooms.size(); ++row) {
        if (m_rooms.at(row).room == room && m_rooms.at(row).route == route)
            return row;
    }
    return -1;
}

void RoomsModel::reset(const QJsonArray &rooms, const QJsonArray &presence)
{
    beginResetModel();
    m_rooms.clear();
    for (const QJsonValue &value : rooms) {
        const QJsonObject room = value.toObject();
        m_rooms.append(Room{room.value("route"_L1).toString(), room.value("room"_L1).toString(),
                            room.value("members"_L1).toInt(), room.value("historyLength"_L1), room.value("offset"_L1), {}, 0});
    }
    for (const QJsonValue &value : presence) {
        const QJsonObject entry = value.toObject();
        const int row = indexOf(entry.value("route"_L1).toString(), entry.value("room"_L1).toString());
        if (row >= 0) {
            m_rooms[row].users = entry.value("users"_L1).toArray();
            m_rooms[row].presenceCount = entry.value("count"_L1).toInt(int(m_rooms[row].users.size()));
        }
    }
    endResetModel();
    Q_EMIT countChanged();
}

void RoomsModel::setPage(const QJsonArray &rooms)
{
    QList<Room> next;
    next.reserve(rooms.size());
    for (const QJsonValue &value : rooms) {
        const QJsonObject room = value.toObject();
        next.append(Room{room.value("route"_L1).toString(), room.value("room"_L1).toString(),
                         room.value("members"_L1).toInt(), room.value("historyLength"_L1), room.value("offset"_L1),
                         room.value("users"_L1).toArray(),
                         room.value("presenceCount"_L1).toInt(int(room.value("users"_L1).toArray().size()))});
    }
    const int before = rowCount();
    syncRows(m_rooms, next, [](const Room &room) { return room.route + u'\n' + room.room; });
    if (rowCount() != before)
        Q_EMIT countChanged();
}

void RoomsModel::membersChanged(const QString &route, const QString &room, int members)
{
    const int row = indexOf(route, room);
    if (row >= 0 && members == 0) {
        beginRemoveRows({}, row, row);
        m_rooms.removeAt(row);
        endRemoveRows();
        Q_EMIT countChanged();
    } else if (row >= 0) {
        m_rooms[row].members = members;
        Q_EMIT dataChanged(index(row), index(row), {MembersRole});
    }
}

void RoomsModel::presenceChanged(const QString &route, const QString &room, const QJsonArray &users, int count)
{
    const int row = indexOf(route, room);
    if (row < 0)
        return;
    m_rooms[row].users = users;
    m_rooms[row].presenceCount = count < 0 ? int(users.size()) : count;
    Q_EMIT dataChanged(index(row), index(row), {PresenceRole, PresenceTextRole});
}

void RoomsModel::refresh(const QJsonArray &summaries)
{
    for (const QJsonValue &value : summaries) {
        const QJsonObject summary = value.toObject();
        const int row = indexOf(summary.value("route"_L1).toString(), summary.value("room"_L1).toString());
        if (row < 0)
            continue;
        Room &room = m_rooms[row];
        const int members = summary.value("members"_L1).toInt();
        const QJsonValue history = summary.value("historyLength"_L1), offset = summary.value("offset"_L1);
        if (room.members == members && room.historyLength == history && room.offset == offset)
            continue;
        room.members = members;
        room.historyLength = history;
        room.offset = offset;
        Q_EMIT dataChanged(index(row), index(row), {MembersRole, HistoryLengthRole, OffsetRole});
    }
}
