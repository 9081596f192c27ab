// Package click inspects click packages (the Ubuntu Touch app format, a Debian .deb variant)
// as a single forward pass over a stream: stagebot tees a download into a file while it
// inspects it, so nothing here may seek, unpack to disk or hold more than small buffers.
//
// The rules are click 0.5.0's own (click_package/build.py and install.py's audit, which
// `click verify` runs), tightened where stagebot's contract needs more: Debian name and
// version syntax (versions are compared to supersede requests), the exact member layout
// click build writes, required control fields and manifest keys, and no ".." or device
// nodes in the data area.
package click
