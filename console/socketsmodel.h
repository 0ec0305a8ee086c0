#pragma once

#include "pagedmodel.h"

#include <QAbstractListModel>
#include <QJsonObject>
#include <QSortFilterProxyModel>


// The sockets of the page the console shows, as the admin feed describes them. Applies pages and
// deltas row by row (never a reset per event).
class SocketsModel : public PagedListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role { IdRole = Qt::UserRole + 1, RouteRole, UserRole, RolesRole, AddressRole, ConnectedAtRole,
                RoomsRole, MessagesInRole, MessagesOutRole, JsonRole,
                ConnectedAtMsRole, // a plain number: sorting 10,000 rows by QDateTime took 0.8 s
                NodeRole }; // the cluster node that holds the socket ("" on a single node)
    Q_ENUM(Role)

    using PagedListModel::PagedListModel;
    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void reset(const QJsonArray &sockets); // from a snapshot
    void setPage(const QJsonArray &sockets); // a page from admin:query or admin:page
    void upsert(const QJsonObject &socket);
    void remove(const QString &id);
    void joined(const QString &id, const QString &room);
    void left(const QString &id, const QString &room);
    Q_INVOKABLE QJsonObject socket(const QString &id) const;

Q_SIGNALS:
    void countChanged();

private:
    int indexOf(const QString &id) const;
    QList<QJsonObject> m_sockets;
    QHash<QString, int> m_rows;
};

// Sorting and filtering for the sockets table: `filter` matches id, user, route, address, node or a room.
class SocketsFilter : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_PROPERTY(QString filter READ filter WRITE setFilter NOTIFY filterChanged)
    Q_PROPERTY(QString sortKey READ sortKey WRITE setSortKey NOTIFY sortChanged)
    Q_PROPERTY(bool descending READ descending WRITE setDescending NOTIFY sortChanged)

public:
    explicit SocketsFilter(QObject *parent = nullptr);
    QString filter() const { return m_filter; }
    void setFilter(const QString &filter);
    QString sortKey() const { return m_sortKey; }
    void setSortKey(const QString &key);
    bool descending() const { return sortOrder() == Qt::DescendingOrder; }
    Q_INVOKABLE QString socketIdAt(int row) const { return index(row, 0).data(SocketsModel::IdRole).toString(); }
    void setDescending(bool descending);

Q_SIGNALS:
    void filterChanged();
    void sortChanged();

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override;

private:
    QString m_filter;
    QString m_sortKey = QStringLiteral("connectedAt");
};
