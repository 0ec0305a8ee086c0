#pragma once

#include <QAbstractListModel>
#include <QJsonArray>
#include <QJsonObject>

// The cluster's nodes as the admin feed describes them (admin:snapshot "nodes", admin:nodes): this
// node first, then the others by id. A list that keeps its ids is updated row by row.
class NodesModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role { IdRole = Qt::UserRole + 1, AddressRole, UptimeRole, UptimeMsRole, ConnectionsRole, RoomsRole,
                MessagesPerSecondRole, LastHeartbeatRole, SelfRole, StateRole };
    Q_ENUM(Role)
    // A node not heard from for longer than this is shown "silent" (the cluster drops it at 8 s).
    static constexpr qint64 SilentAfterMs = 5000;

    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void update(const QJsonArray &nodes);
    Q_INVOKABLE QJsonObject node(int row) const { return m_nodes.value(row); }
    static QString formatUptime(qint64 ms); // "3 d 4 h", "2 h 05 min", "4 min 09 s", "12 s"

Q_SIGNALS:
    void countChanged();

private:
    QList<QJsonObject> m_nodes;
};
