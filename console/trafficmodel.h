#pragma once

#include <QAbstractListModel>
#include <QJsonObject>
#include <QSortFilterProxyModel>
#include <QTimer>


#include <deque>

// The live traffic log: a bounded ring (oldest rows go first), fed in batches — entries arriving
// between two frames are inserted with one beginInsertRows, so a busy tap costs one model update
// per frame, not one per message. Paused, it keeps counting but shows nothing new.
class TrafficModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(bool paused READ paused WRITE setPaused NOTIFY pausedChanged)
    Q_PROPERTY(qint64 missed READ missed NOTIFY countChanged)

public:
    enum Role { TimeRole = Qt::UserRole + 1, DirectionRole, RouteRole, EventRole, RoomRole, SocketRole,
                SizeRole, PayloadRole, PrettyRole, JsonRole, UserRole, PayloadJsonRole };
    Q_ENUM(Role)

    explicit TrafficModel(int capacity = 5000, QObject *parent = nullptr);
    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void append(const QJsonObject &entry); // queued until the next flush
    Q_INVOKABLE void flush();
    Q_INVOKABLE void clear();
    bool paused() const { return m_paused; }
    void setPaused(bool paused);
    qint64 missed() const { return m_missed; }
    int capacity() const { return m_capacity; }

private:
    friend class TrafficFilter;
    int m_capacity;
    std::deque<QJsonObject> m_rows;
    QList<QJsonObject> m_pending;
    QTimer m_frame;
    bool m_paused = false;
    qint64 m_missed = 0;

Q_SIGNALS:
    void countChanged();
    void pausedChanged();
};

// What the traffic page shows: route, event, room, socket, user and direction filters (empty = all),
// each an exact, case-sensitive match as the server's tap makes it (room "lobby" is not "lobby2"),
// and a search of the kept traffic: a case-insensitive substring of any of those fields or of the
// payload's text.
class TrafficFilter : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_PROPERTY(QString route MEMBER m_route WRITE setRoute NOTIFY changed)
    Q_PROPERTY(QString event MEMBER m_event WRITE setEvent NOTIFY changed)
    Q_PROPERTY(QString room MEMBER m_room WRITE setRoom NOTIFY changed)
    Q_PROPERTY(QString socket MEMBER m_socket WRITE setSocket NOTIFY changed)
    Q_PROPERTY(QString user MEMBER m_user WRITE setUser NOTIFY changed)
    Q_PROPERTY(QString search MEMBER m_search WRITE setSearch NOTIFY changed)
    Q_PROPERTY(QString direction MEMBER m_direction WRITE setDirection NOTIFY changed) // "", "in", "out"

public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setRoute(const QString &v) { set(m_route, v); }
    void setEvent(const QString &v) { set(m_event, v); }
    void setRoom(const QString &v) { set(m_room, v); }
    void setSocket(const QString &v) { set(m_socket, v); }
    void setDirection(const QString &v) { set(m_direction, v); }
    void setUser(const QString &v) { set(m_user, v); }
    void setSearch(const QString &v) { set(m_search, v); }
    // Writes what is shown, one JSON object per line; returns the number of lines (-1 on error).
    Q_INVOKABLE int exportJsonLines(const QString &path) const;
    // The payload of the row shown at `row`, indented.
    Q_INVOKABLE QString prettyPayload(int row) const { return index(row, 0).data(TrafficModel::PrettyRole).toString(); }
    // The payload of the row shown at `row` as compact JSON ("" when the tap had no payloads).
    Q_INVOKABLE QString payloadJson(int row) const { return index(row, 0).data(TrafficModel::PayloadJsonRole).toString(); }

Q_SIGNALS:
    void changed();

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override;

private:
    void set(QString &field, const QString &value);
    QString m_route, m_event, m_room, m_socket, m_user, m_search, m_direction;
};
