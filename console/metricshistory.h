#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QStringList>

#include <deque>

// The Overview's time series: one sample per admin:counters (one a second), kept for an hour, so
// the charts can show the last 5 minutes or the last hour with a real time axis. Series are named
// by the counter they come from ("connections", "inPerSecond", "handlerP99Ms", "error:<code>", ...;
// keys() lists them) and handed to Qt Charts in one call (plot), not point by point from QML.
class MetricsHistory : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int size READ size NOTIFY changed)
    Q_PROPERTY(qint64 lastTime READ lastTime NOTIFY changed)

public:
    static constexpr int Capacity = 3600; // an hour of one-second samples (~60 KiB per series)

    explicit MetricsHistory(QObject *parent = nullptr) : QObject(parent) { }

    // One admin:counters payload; `t` (ms since the epoch) is its "t", or now when it has none.
    void add(const QJsonObject &counters);
    void clear();

    int size() const { return int(m_times.size()); }
    qint64 lastTime() const { return m_times.empty() ? 0 : m_times.back(); }
    QStringList keys() const;

    // The samples of `key` in the last `windowSeconds` (counted back from the newest sample) into a
    // QXYSeries (a LineSeries in QML): x is the time in ms since the epoch, for a DateTimeAxis. Gaps
    // (a counter absent from a sample) are left out. False when `series` is not an XY series.
    Q_INVOKABLE bool plot(QObject *series, const QString &key, int windowSeconds) const;
    // The largest value of the keys in the window (0 when none): the y axis' range.
    Q_INVOKABLE double peak(const QStringList &keys, int windowSeconds) const;
    // The error codes seen in the window, most frequent first (the "errors by code" chart's series).
    Q_INVOKABLE QStringList errorCodes(int windowSeconds, int limit = 5) const;
    // The value of `key` in the newest sample (NaN when absent).
    Q_INVOKABLE double latest(const QString &key) const;

Q_SIGNALS:
    void changed();

private:
    std::size_t firstIndexIn(int windowSeconds) const;

    std::deque<qint64> m_times;
    // Per key, one value per sample in m_times (NaN where the sample did not carry the key).
    QHash<QString, std::deque<double>> m_values;
};
