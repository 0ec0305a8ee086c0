#pragma once

#include <QAbstractListModel>
#include <QJsonObject>

#include <deque>

// What needs an operator, worked out from each admin:counters (and the cluster's state): slow
// consumers disconnected, rate-limited clients, storage unreachable or lagging, Redis unreachable,
// refused handshakes spiking. An alert is raised when its rule holds and cleared when it stops
// holding; the rules and thresholds are in alertsmodel.cpp and docs/admin.md ("Alerts").
class AlertsModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(int errors READ errors NOTIFY countChanged)

public:
    enum Role { KeyRole = Qt::UserRole + 1, SeverityRole, TitleRole, DetailRole, SinceRole };
    Q_ENUM(Role)

    // Thresholds. Counted over the last minute: any slow consumer or rate-limited client is worth a
    // look; refused handshakes are normal now and then (expired tokens), a spike is not.
    static constexpr int WindowSeconds = 60;
    static constexpr int RefusedHandshakesPerMinute = 30;
    static constexpr qint64 StorageLagMs = 5000;

    explicit AlertsModel(QObject *parent = nullptr) : QAbstractListModel(parent) { }

    int rowCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : int(m_alerts.size()); }
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    int errors() const;

    // One admin:counters payload, with the cluster's state at that moment.
    void evaluate(const QJsonObject &counters, bool clusterMode, bool redisUp, const QString &redisError);
    void clear();

Q_SIGNALS:
    void countChanged();

private:
    struct Alert
    {
        QString key, severity, title, detail; // severity: "error" or "warning"
        qint64 since = 0; // ms since the epoch
    };
    void set(const QString &key, bool active, const QString &severity, const QString &title, const QString &detail, qint64 now);

    struct Second
    {
        qint64 slowConsumers = 0, rateLimited = 0, refusedHandshakes = 0;
    };
    std::deque<Second> m_lastMinute; // one entry per counters message, newest last
    QList<Alert> m_alerts; // errors first, then warnings, each by when raised
};
