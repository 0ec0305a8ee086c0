// "Is it healthy?": headline figures, what needs an operator (alerts), the traffic over time
// (5 minutes or an hour, with time axes), each route's share, the storage and the nodes.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import "../components"
import "../components/format.js" as Format

ScrollView {
    id: page
    required property var admin
    property int windowSeconds: 300
    readonly property var counters: admin.counters
    readonly property var storage: counters.storage
    readonly property string title: "Overview"
    contentWidth: availableWidth
    clip: true

    ColumnLayout {
        width: page.availableWidth
        spacing: 16

        RowLayout {
            Layout.fillWidth: true
            spacing: 12
            Stat {
                objectName: "statConnections"
                label: "Connections"
                value: Format.count(page.counters.connections)
                detail: Format.count(page.counters.rooms) + " rooms"
            }
            Stat { label: "Messages in"; value: Format.perSecond(page.counters.inPerSecond); detail: Format.bytes(page.counters.bytesInPerSecond) + "/s" }
            Stat { label: "Messages out"; value: Format.perSecond(page.counters.outPerSecond); detail: Format.bytes(page.counters.bytesOutPerSecond) + "/s" }
            Stat {
                label: "Errors"
                value: Format.perSecond(page.counters.errorsPerSecond)
                status: (page.counters.errorsPerSecond ?? 0) > 0 ? "warning" : "ok"
                detail: Object.keys(page.counters.errorsByCode ?? {}).join(", ")
            }
            Stat {
                label: "Handler time p50 / p99"
                value: page.counters.handlerMs ? Format.milliseconds(page.counters.handlerMs.p50) : "–"
                detail: page.counters.handlerMs ? "p99 " + Format.milliseconds(page.counters.handlerMs.p99) : "no events in the last second"
            }
            Stat {
                objectName: "statStorage"
                label: "Storage"
                value: page.storage ? (page.storage.connected ? "Connected" : "Unreachable") : "None"
                status: !page.storage ? "" : !page.storage.connected ? "error" : page.storage.commitLagMs > 5000 ? "warning" : "ok"
                detail: page.storage ? Format.count(page.storage.backlog) + " queued, lag " + Format.milliseconds(page.storage.commitLagMs ?? 0) : "history kept in memory only"
            }
        }

        // Alerts: what needs an operator now. Green when nothing does.
        Pane {
            objectName: "alerts"
            Layout.fillWidth: true
            Material.elevation: 1
            padding: 12
            ColumnLayout {
                anchors.fill: parent
                spacing: 6
                RowLayout {
                    StatusDot { status: page.admin.alerts.errors > 0 ? "error" : page.admin.alerts.count > 0 ? "warning" : "ok" }
                    Label {
                        objectName: "alertsTitle"
                        text: page.admin.alerts.count === 0 ? "No alerts: nothing needs an operator"
                                                            : page.admin.alerts.count + (page.admin.alerts.count === 1 ? " alert" : " alerts")
                        font.pixelSize: 15
                        font.weight: Font.Medium
                    }
                }
                Repeater {
                    model: page.admin.alerts
                    delegate: RowLayout {
                        objectName: "alert:" + model.key
                        spacing: 8
                        StatusDot { status: model.severity }
                        Label { text: model.title; font.weight: Font.Medium }
                        Label { text: model.detail; opacity: 0.75; Layout.fillWidth: true; elide: Text.ElideRight }
                        Label { text: "since " + Format.ago(model.since, page.admin.metricsHistory.lastTime); opacity: 0.6 }
                    }
                }
            }
        }

        RowLayout {
            Layout.fillWidth: true
            Label { text: "Traffic"; font.pixelSize: 18; font.weight: Font.Medium; Layout.fillWidth: true }
            Label { text: "Window"; opacity: 0.7 }
            TabBar {
                id: windowBar
                objectName: "windowBar"
                currentIndex: page.windowSeconds === 60 ? 0 : page.windowSeconds === 300 ? 1 : 2
                TabButton { text: "1 min"; width: implicitWidth + 16; onClicked: page.windowSeconds = 60 }
                TabButton { text: "5 min"; width: implicitWidth + 16; onClicked: page.windowSeconds = 300 }
                TabButton { text: "1 hour"; width: implicitWidth + 16; onClicked: page.windowSeconds = 3600 }
            }
        }
        Label {
            visible: page.admin.metricsHistory.size < 2
            text: "Charts fill in as the server reports, once a second."
            opacity: 0.6
        }
        GridLayout {
            objectName: "charts"
            Layout.fillWidth: true
            columns: page.availableWidth > 1100 ? 3 : 2
            columnSpacing: 12
            rowSpacing: 12
            TimeChart {
                objectName: "chartConnections"
                Layout.fillWidth: true
                title: "Connections"
                history: page.admin.metricsHistory
                windowSeconds: page.windowSeconds
                lines: [{key: "connections", name: "connections"}, {key: "rooms", name: "rooms"}]
            }
            TimeChart {
                objectName: "chartMessages"
                Layout.fillWidth: true
                title: "Messages per second"
                unit: "msg/s"
                history: page.admin.metricsHistory
                windowSeconds: page.windowSeconds
                lines: [{key: "inPerSecond", name: "in"}, {key: "outPerSecond", name: "out"}]
            }
            TimeChart {
                objectName: "chartBytes"
                Layout.fillWidth: true
                title: "Bytes per second"
                unit: "B/s"
                kind: "bytes"
                history: page.admin.metricsHistory
                windowSeconds: page.windowSeconds
                lines: [{key: "bytesInPerSecond", name: "in"}, {key: "bytesOutPerSecond", name: "out"}]
            }
            TimeChart {
                id: errorsChart
                objectName: "chartErrors"
                Layout.fillWidth: true
                title: "Errors per second, by code"
                unit: "errors/s"
                history: page.admin.metricsHistory
                windowSeconds: page.windowSeconds
                // The codes seen in the window, re-read when the history moves on.
                property var codes: []
                lines: codes.length > 0 ? codes.map(code => ({key: "error:" + code, name: code}))
                                        : [{key: "errorsPerSecond", name: "all codes"}]
                Connections {
                    target: page.admin.metricsHistory
                    function onChanged() {
                        const codes = page.admin.metricsHistory.errorCodes(page.windowSeconds, 5)
                        if (JSON.stringify(codes) !== JSON.stringify(errorsChart.codes)) errorsChart.codes = codes
                    }
                }
            }
            TimeChart {
                objectName: "chartLatency"
                Layout.fillWidth: true
                title: "Handler time to ack"
                unit: "ms"
                kind: "ms"
                history: page.admin.metricsHistory
                windowSeconds: page.windowSeconds
                lines: [{key: "handlerP50Ms", name: "p50"}, {key: "handlerP99Ms", name: "p99"}]
            }
            TimeChart {
                objectName: "chartStorage"
                Layout.fillWidth: true
                title: "Storage queue and commit lag"
                unit: "writes / ms"
                history: page.admin.metricsHistory
                windowSeconds: page.windowSeconds
                lines: [{key: "storageBacklog", name: "queued writes"}, {key: "storageLagMs", name: "lag (ms)"}]
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: 12
            // Each route's share of the traffic, from the last second's counters.
            Pane {
                objectName: "routesTable"
                Layout.fillWidth: true
                Layout.alignment: Qt.AlignTop
                Material.elevation: 1
                ColumnLayout {
                    anchors.fill: parent
                    Label { text: "Routes"; font.pixelSize: 15; font.weight: Font.Medium }
                    // Plain rows, not a GridLayout: the rows are rebuilt every second, and Qt 6.4's
                    // layouts can touch a row being deleted while they rearrange (a crash under ASan).
                    Column {
                        spacing: 4
                        readonly property var widths: [140, 100, 80, 80, 170, 90]
                        Row {
                            Repeater {
                                model: ["Route", "Connections", "In", "Out", "Bytes in / out", "Error acks"]
                                Label { text: modelData; width: parent.parent.widths[index]; opacity: 0.7; font.pixelSize: 12 }
                            }
                        }
                        Repeater {
                            model: page.counters.routes ?? []
                            delegate: Row {
                                required property var modelData
                                readonly property var cells: [modelData.route, Format.count(modelData.connections), Format.perSecond(modelData.inPerSecond),
                                                              Format.perSecond(modelData.outPerSecond),
                                                              Format.bytes(modelData.bytesInPerSecond) + " / " + Format.bytes(modelData.bytesOutPerSecond),
                                                              Format.perSecond(modelData.errorAcksPerSecond)]
                                Repeater {
                                    model: parent.cells
                                    Label { text: modelData; width: parent.parent.widths[index]; elide: Text.ElideRight; font.family: index === 0 ? "monospace" : Qt.application.font.family }
                                }
                            }
                        }
                    }
                    Label {
                        visible: (page.counters.routes ?? []).length === 0
                        text: "No route has traffic or connections yet."
                        opacity: 0.6
                    }
                }
            }
            Pane {
                objectName: "nodesSummary"
                Layout.preferredWidth: 420
                Layout.alignment: Qt.AlignTop
                Material.elevation: 1
                ColumnLayout {
                    anchors.fill: parent
                    Label {
                        text: page.admin.clusterMode ? "Nodes (" + page.admin.nodes.count + ")" : "Node"
                        font.pixelSize: 15
                        font.weight: Font.Medium
                    }
                    Repeater {
                        model: page.admin.nodes
                        delegate: RowLayout {
                            spacing: 8
                            StatusDot { status: model.state === "ok" ? "ok" : "warning" }
                            Label { text: (model.nodeId || "this server") + (model.self && model.nodeId ? " (this node)" : ""); Layout.preferredWidth: 150; elide: Text.ElideRight }
                            Label { text: Format.count(model.connections) + " conn."; Layout.preferredWidth: 90 }
                            Label { text: Format.perSecond(model.messagesPerSecond, "msg"); opacity: 0.8 }
                        }
                    }
                    Label {
                        text: "Server " + (page.admin.server.version ?? "–") + ", up " + Format.duration(Date.now() - (page.admin.server.startedAt ?? Date.now()))
                        opacity: 0.6
                    }
                }
            }
        }
    }
}
