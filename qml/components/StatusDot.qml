// A status colour, used for meaning only: ok (green), warning (amber), error (red), idle (grey).
import QtQuick
import QtQuick.Controls.Material

Rectangle {
    property string status: "idle"
    implicitWidth: 10
    implicitHeight: 10
    radius: width / 2
    color: status === "ok" ? Material.color(Material.Green)
         : status === "warning" ? Material.color(Material.Amber)
         : status === "error" ? Material.color(Material.Red)
         : Material.color(Material.Grey)
}
