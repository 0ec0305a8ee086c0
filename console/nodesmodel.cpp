#include "nodesmodel.h"

#include <QSet>

using namespace Qt::StringLiterals;

int NodesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_nodes.size());
}

QVariant NodesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject &node = m_nodes.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case IdRole: return node.value("id"_L1).toString();
    case AddressRole: return node.value("address"_L1).toString();
    case UptimeRole: return formatUptime(node.value("uptimeMs"_L1).toInteger());
    case UptimeMsRole: return node.value("uptimeMs"_L1).toInteger();
    case ConnectionsRole: return node.value("connections"_L1).toInteger();
    case RoomsRole: return node.value("rooms"_L1).toInteger();
    case MessagesPerSecondRole: return node.value("messagesPerSecond"_L1).toDouble();
    case LastHeartbeatRole: return node.value("lastHeartbeatMs"_L1).toInteger();
    case SelfRole: return node.value("self"_L1).toBool();
    case StateRole:
        return node.value("lastHeartbeatMs"_L1).toInteger() > SilentAfterMs ? u"silent"_s : u"ok"_s;
    }
    return {};
}

QHash<int, QByteArray> NodesModel::roleNames() const
{
    return {{IdRole, "nodeId"}, {AddressRole, "address"}, {UptimeRole, "uptime"}, {UptimeMsRole, "uptimeMs"},
            {ConnectionsRole, "connections"}, {RoomsRole, "rooms"},
            {MessagesPerSecondRole, "messagesPerSecond"}, {LastHeartbeatRole, "lastHeartbeat"},
            {SelfRole, "self"}, {StateRole, "state"}};
}

void NodesModel::update(const QJsonArray &nodes)
{
    QList<QJsonObject> next;
    QSet<QString> ids;
    for (const QJsonValue &node : nodes) {
        next.append(node.toObject());
        ids.insert(node.toObject().value("id"_L1).toString());
    }
    const qsizetype before = m_nodes.size();
    // The gone first, then walk the new list: the feed keeps one order (this node, then by id), so
    // what stays is already in place and the new are inserted where they belong.
    for (int row = int(m_nodes.size()) - 1; row >= 0; --row) {
        if (!ids.contains(m_nodes.at(row).value("id"_L1).toString())) {
            beginRemoveRows({}, row, row);
            m_nodes.removeAt(row);
            endRemoveRows();
        }
    }
    for (int row = 0; row < next.size(); ++row) {
        const QString id = next.at(row).value("id"_L1).toString();
        if (row < m_nodes.size() && m_nodes.at(row).value("id"_L1).toString() == id) {
            if (m_nodes.at(row) != next.at(row)) {
                m_nodes[row] = next.at(row);
                Q_EMIT dataChanged(index(row), index(row));
            }
            continue;
        }
        // Out of order (a feed of another version): replace in place rather than guess.
        const qsizetype existing = [&] {
            for (qsizetype i = row; i < m_nodes.size(); ++i)
                if (m_nodes.at(i).value("id"_L1).toString() == id)
                    return i;
            return qsizetype(-1);
        }();
        if (existing >= 0) {
            beginRemoveRows({}, int(existing), int(existing));
            m_nodes.removeAt(existing);
            endRemoveRows();
        }
        beginInsertRows({}, row, row);
        m_nodes.insert(row, next.at(row));
        endInsertRows();
    }
    if (m_nodes.size() != before)
        Q_EMIT countChanged();
}

QString NodesModel::formatUptime(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, ms / 1000);
    if (s >= 86400)
        return u"%1 d %2 h"_s.arg(s / 86400).arg(s % 86400 / 3600);
    if (s >= 3600)
        return u"%1 h %2 min"_s.arg(s / 3600).arg(s % 3600 / 60, 2, 10, QChar(u'0'));
    if (s >= 60)
        return u"%1 min %2 s"_s.arg(s / 60).arg(s % 60, 2, 10, QChar(u'0'));
    return u"%1 s"_s.arg(s);
}
