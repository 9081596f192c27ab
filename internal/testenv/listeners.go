package testenv

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// NotListening returns those of ports on which process pid has no listening TCP socket (IPv4,
// read from /proc). A port picked free can be taken by another process before a server
// binds it; a server that only warns about it (InspIRCd does) then looks ready to a dial,
// which reaches the other process. Asking the kernel who listens tells them apart.
func NotListening(pid int, ports []int) ([]int, error) {
	mine := map[string]bool{} // socket inodes
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return nil, err
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join(fmt.Sprintf("/proc/%d/fd", pid), fd.Name()))
		if err == nil && strings.HasPrefix(target, "socket:[") {
			mine[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	listening := map[int]bool{}
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != "0A" || !mine[fields[9]] {
			continue
		}
		_, hexPort, ok := strings.Cut(fields[1], ":")
		if !ok {
			continue
		}
		if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
			listening[int(p)] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var missing []int
	for _, p := range ports {
		if !listening[p] {
			missing = append(missing, p)
		}
	}
	return missing, nil
}
