#include "socketsmodel.h"

#include <QDateTime>
#include <QJsonArray>

using namespace Qt::StringLiterals;

int SocketsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_sockets.size());
}

QVariant SocketsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject &socket = m_sockets.at(index.row());
    auto user = [&socket] { return socket.value("user"_L1).toObject(); };
    switch (role) {
    case Qt::DisplayRole:
    case IdRole: return socket.value("id"_L1).toString();
    case RouteRole: return socket.value("route"_L1).toString();
    case UserRole: return user().isEmpty() ? u"guest"_s : user().value("id"_L1).toString();
    case RolesRole: return user().value("roles"_L1).toVariant().toStringList().join(u", "_s);
    case AddressRole: return socket.value("address"_L1).toString();
    case ConnectedAtRole: return QDateTime::fromMSecsSinceEpoch(socket.value("connectedAt"_L1).toInteger());
    case ConnectedAtMsRole: return socket.value("connectedAt"_L1).toInteger();
    case RoomsRole: return socket.value("rooms"_L1).toVariant().toStringList().join(u", "_s);
    case MessagesInRole: return socket.value("messagesIn"_L1).toInteger();
    case MessagesOutRole: return socket.value("messagesOut"_L1).toInteger();
    case JsonRole: return socket;
    case NodeRole: return socket.value("node"_L1).toString();
    }
    return {};
}

QHash<int, QByteArray> SocketsModel::roleNames() const
{
    return {{IdRole, "socketId"}, {RouteRole, "route"}, {UserRole, "user"}, {RolesRole, "roles"},
            {AddressRole, "address"}, {ConnectedAtRole, "connectedAt"}, {RoomsRole, "rooms"},
            {MessagesInRole, "messagesIn"}, {MessagesOutRole, "messagesOut"}, {JsonRole, "json"},
            {NodeRole, "node"}};
}

int SocketsModel::indexOf(const QString &id) const
{
    return m_rows.value(id, -1);
}

void SocketsModel::reset(const QJsonArray &sockets)
{
    beginResetModel(); // once per snapshot, never per event
    m_sockets.clear();
    m_rows.clear();
    for (const QJsonValue &socket : sockets) {
        m_rows.insert(socket.toObject().value("id"_L1).toString(), int(m_sockets.size()));
        m_sockets.append(socket.toObject());
    }
    endResetModel();
    Q_EMIT countChanged();
}

void SocketsModel::setPage(const QJsonArray &sockets)
{
    QList<QJsonObject> next;
    next.reserve(sockets.size());
    for (const QJsonValue &socket : sockets)
        next.append(socket.toObject());
    const int before = rowCount();
    syncRows(m_sockets, next, [](const QJsonObject &socket) { return socket.value("id"_L1).toString(); });
    m_rows.clear();
    for (int row = 0; row < m_sockets.size(); ++row)
        m_rows.insert(m_sockets.at(row).value("id"_L1).toString(), row);
    if (rowCount() != before)
        Q_EMIT countChanged();
}

void SocketsModel::upsert(const QJsonObject &socket)
{
    const QString id = socket.value("id"_L1).toString();
    if (const int row = indexOf(id); row >= 0) {
        m_sockets[row] = socket;
        Q_EMIT dataChanged(index(row), index(row));
        return;
    }
    const int row = int(m_sockets.size());
    beginInsertRows({}, row, row);
    m_sockets.append(socket);
    m_rows.insert(id, row);
    endInsertRows();
    Q_EMIT countChanged();
}

void SocketsModel::remove(const QString &id)
{
    const int row = indexOf(id);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_sockets.removeAt(row);
    m_rows.remove(id);
    for (auto it = m_rows.begin(); it != m_rows.end(); ++it) {
        if (*it > row)
            --*it;
    }
    endRemoveRows();
    Q_EMIT countChanged();
}

static void changeRooms(QJsonObject &socket, const QString &room, bool join)
{
    QStringList rooms = socket.value("rooms"_L1).toVariant().toStringList();
    if (join && !rooms.contains(room))
        rooms.append(room);
    if (!join)
        rooms.removeAll(room);
    rooms.sort();
    socket.insert(u"rooms"_s, QJsonArray::fromStringList(rooms));
}

void SocketsModel::joined(const QString &id, const QString &room)
{
    if (const int row = indexOf(id); row >= 0) {
        changeRooms(m_sockets[row], room, true);
        Q_EMIT dataChanged(index(row), index(row), {RoomsRole, JsonRole});
    }
}

void SocketsModel::left(const QString &id, const QString &room)
{
    if (const int row = indexOf(id); row >= 0) {
        changeRooms(m_sockets[row], room, false);
        Q_EMIT dataChanged(index(row), index(row), {RoomsRole, JsonRole});
    }
}

QJsonObject SocketsModel::socket(const QString &id) const
{
    const int row = indexOf(id);
    return row < 0 ? QJsonObject() : m_sockets.at(row);
}

SocketsFilter::SocketsFilter(QObject *parent) : QSortFilterProxyModel(parent)
{
    setDynamicSortFilter(true);
    setSortRole(SocketsModel::ConnectedAtMsRole);
    sort(0, Qt::AscendingOrder);
}

void SocketsFilter::setFilter(const QString &filter)
{
    if (filter == m_filter)
        return;
    m_filter = filter;
    invalidateFilter();
    Q_EMIT filterChanged();
}

void SocketsFilter::setSortKey(const QString &key)
{
    static const QHash<QString, int> roles{
            {u"socketId"_s, SocketsModel::IdRole}, {u"user"_s, SocketsModel::UserRole},
            {u"route"_s, SocketsModel::RouteRole}, {u"address"_s, SocketsModel::AddressRole},
            {u"connectedAt"_s, SocketsModel::ConnectedAtMsRole}, {u"messagesIn"_s, SocketsModel::MessagesInRole},
            {u"messagesOut"_s, SocketsModel::MessagesOutRole}, {u"node"_s, SocketsModel::NodeRole}};
    if (!roles.contains(key) || key == m_sortKey)
        return;
    m_sortKey = key;
    setSortRole(roles.value(key));
    sort(0, sortOrder());
    Q_EMIT sortChanged();
}

void SocketsFilter::setDescending(bool descending)
{
    sort(0, descending ? Qt::DescendingOrder : Qt::AscendingOrder);
    Q_EMIT sortChanged();
}

bool SocketsFilter::filterAcceptsRow(int row, const QModelIndex &parent) const
{
    if (m_filter.isEmpty())
        return true;
    const QModelIndex index = sourceModel()->index(row, 0, parent);
    for (int role : {SocketsModel::IdRole, SocketsModel::UserRole, SocketsModel::RouteRole,
                     SocketsModel::AddressRole, SocketsModel::RoomsRole, SocketsModel::NodeRole}) {
        if (index.data(role).toString().contains(m_filter, Qt::CaseInsensitive))
            return true;
    }
    return false;
}
