#pragma once

#include "pagedmodel.h"

#include <QAbstractListModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QVariantMap>


// The rooms of the page the console shows, with their members count, history and presence.
// Pages and deltas update row by row.
class RoomsModel : public PagedListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role { RouteRole = Qt::UserRole + 1, RoomRole, MembersRole, HistoryLengthRole, OffsetRole,
                PresenceRole, PresenceTextRole };
    Q_ENUM(Role)

    using PagedListModel::PagedListModel;
    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void reset(const QJsonArray &rooms, const QJsonArray &presence);
    // A page from admin:query or admin:page: rows {route, room, members, historyLength?, offset?, users?}.
    void setPage(const QJsonArray &rooms);
    // A socket joined or left: `members` is the room's new size (0 removes the row). A room not on
    // the page is not added: it comes with the next page if it belongs there.
    void membersChanged(const QString &route, const QString &room, int members);
    // `users`: the first ones (the server sends at most 20); `count`: all of them (-1: users.size()).
    void presenceChanged(const QString &route, const QString &room, const QJsonArray &users, int count = -1);
    // Updates members, history length and offset of the rooms listed (from admin:counters).
    void refresh(const QJsonArray &summaries);
    // {route, room} of a row (empty when out of range), for the view's selection.
    Q_INVOKABLE QVariantMap at(int row) const;

Q_SIGNALS:
    void countChanged();

private:
    struct Room
    {
        QString route, room;
        int members = 0;
        QJsonValue historyLength, offset;
        QJsonArray users;
        int presenceCount = 0; // users in the room's presence; `users` may hold only the first
        bool operator==(const Room &other) const
        {
            return route == other.route && room == other.room && members == other.members
                    && historyLength == other.historyLength && offset == other.offset && users == other.users
                    && presenceCount == other.presenceCount;
        }
    };
    int indexOf(const QString &route, const QString &room) const;
    QList<Room> m_rooms;
};
