#pragma once

#include <QAbstractListModel>
#include <QJsonArray>
#include <QJsonObject>


// Rooms per route with their members count, history and presence. Deltas update one row.
class RoomsModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role { RouteRole = Qt::UserRole + 1, RoomRole, MembersRole, HistoryLengthRole, OffsetRole,
                PresenceRole, PresenceTextRole };
    Q_ENUM(Role)

    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void reset(const QJsonArray &rooms, const QJsonArray &presence);
    // A socket joined or left: `members` is the room's new size (0 removes the row).
    void membersChanged(const QString &route, const QString &room, int members);
    void presenceChanged(const QString &route, const QString &room, const QJsonArray &users);
    // Updates members, history length and offset of the rooms listed (from admin:counters).
    void refresh(const QJsonArray &summaries);

Q_SIGNALS:
    void countChanged();

private:
    struct Room
    {
        QString route, room;
        int members = 0;
        QJsonValue historyLength, offset;
        QJsonArray users;
    };
    int indexOf(const QString &route, const QString &room) const;
    QList<Room> m_rooms;
};
