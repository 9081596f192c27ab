package click

import (
	"archive/tar"
	"crypto/md5"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"stagebot/internal/clicktest"
	"stagebot/internal/testenv"
)

// clickVerify asks click 0.5.0 for its verdict; it is the oracle the corpus is judged by.
func clickVerify(t *testing.T, path string) (bool, string) {
	t.Helper()
	tool := testenv.Tool(t, "click")
	testenv.Tool(t, "debsig-verify") // click verify behaves differently without it
	out, err := exec.Command(tool, "verify", "--force-missing-framework", "--allow-unauthenticated", path).CombinedOutput()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatalf("click verify: %v", err)
	}
	return err == nil, lastLine(string(out))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

type corpusCase struct {
	name  string
	build func(t *testing.T, dir string) string
	// code is the Problem code Inspect must report; "" means the click is acceptable.
	code string
	// stricter explains a rule stagebot's contract adds beyond click verify: for such a case
	// click verify must accept and Inspect must refuse.
	stricter string
}

func built(spec clicktest.Spec) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string { return clicktest.Build(t, dir, spec) }
}

func hand(edit func(c *handClick)) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		c := newHandClick()
		edit(c)
		return c.write(t, dir)
	}
}

func setField(name, value string) func(*handClick) {
	return func(c *handClick) {
		c.Fields = [][2]string{
			{"Package", "com.example.hand"}, {"Version", "1.0"}, {"Click-Version", "0.4"},
			{"Architecture", "armhf"}, {"Maintainer", "Tests <t@example.invalid>"},
			{"Installed-Size", "auto"}, {"Description", "Hand made"},
		}
		for i, f := range c.Fields {
			if f[0] == name {
				if value == "" {
					c.Fields = append(c.Fields[:i], c.Fields[i+1:]...)
				} else {
					c.Fields[i][1] = value
				}
				return
			}
		}
		c.Fields = append(c.Fields, [2]string{name, value})
	}
}

func manifestKey(key string, value any) func(*handClick) {
	return func(c *handClick) {
		if value == nil {
			c.Manifest[key] = deleted{}
		} else {
			c.Manifest[key] = value
		}
	}
}

func dataEntry(e tarEntry) func(*handClick) {
	return func(c *handClick) { c.Data = append(c.Data, e) }
}

func members(edit func([]arMember) []arMember) func(*handClick) {
	return func(c *handClick) { c.Members = edit }
}

func sums(s string) func(*handClick) { return func(c *handClick) { c.MD5Sums = &s } }

func corpus() []corpusCase {
	spec := func(name, version string, arch any) clicktest.Spec {
		return clicktest.Spec{Name: name, Version: version, Framework: "ubuntu-sdk-15.04", Arch: arch,
			Files: map[string]string{"bin/app": "#!/bin/sh\n", "share/icon.svg": "<svg/>\n"}}
	}
	const fw = "ubuntu-sdk-15.04"
	return []corpusCase{
		// What click build really writes.
		{name: "build/armhf", build: built(spec("com.example.armhf", "1.2.3", "armhf"))},
		{name: "build/all", build: built(spec("com.example.all", "0.1", "all"))},
		{name: "build/multi", build: built(spec("com.example.multi", "2.0", []string{"armhf", "arm64", "amd64"}))},
		{name: "build/epoch", build: built(spec("com.example.epoch", "3:1.0-1ubuntu2~beta", "armhf"))},
		{name: "build/no-arch-key", build: built(spec("com.example.noarch", "1.0", nil))},
		{name: "build/framework-list", build: built(clicktest.Spec{Name: "com.example.fws", Version: "1.0",
			Framework: "ubuntu-sdk-15.04, ubuntu-sdk-15.04-html", Arch: "all", Files: map[string]string{"a": "a"}})},
		{name: "build/name-underscore", build: built(spec("com.example.bad_name", "1.0", "all")), code: CodeName},
		{name: "build/version-not-debian", build: built(spec("com.example.vers", "banana", "all")), code: CodeVersion,
			stricter: "click verify only refuses / and _ in versions; stagebot orders versions the way dpkg does"},
		{name: "build/name-upper-case", build: built(spec("com.example.Upper", "1.0", "all")), code: CodeName,
			stricter: "click verify only refuses / and _ in names; the contract asks for Debian package names"},
		{name: "hand/framework-alternative", build: hand(manifestKey("framework", fw+" | ubuntu-sdk-14.10")), code: CodeFramework},
		{name: "hand/manifest-version-slash", build: hand(manifestKey("version", "1.0/2")), code: CodeVersion},
		{name: "build/empty", build: built(clicktest.Spec{Name: "com.example.empty", Version: "1.0", Framework: fw, Arch: "all"}),
			code: CodeMD5Sums}, // click build writes an empty md5sums, which md5sum -c refuses

		// Hand-made: the baseline first, then one broken rule each.
		{name: "hand/baseline", build: hand(func(*handClick) {})},
		{name: "hand/gnu-ar-names", build: hand(func(c *handClick) { c.GNUNames = true })},
		{name: "hand/old-preinst", build: hand(func(c *handClick) { c.ControlFiles[0].Body = staticPreinsts[0] })},
		{name: "hand/no-preinst", build: hand(func(c *handClick) { c.ControlFiles = nil })},
		{name: "hand/not-ar", build: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "garbage.click")
			if err := os.WriteFile(p, []byte("PK\x03\x04 this is a zip, not a click\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}, code: CodeArchive},
		{name: "hand/truncated", build: func(t *testing.T, dir string) string {
			p := newHandClick().write(t, dir)
			b, _ := os.ReadFile(p)
			if err := os.WriteFile(p, b[:len(b)*2/3], 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}, code: CodeArchive},
		{name: "hand/debian-binary-3.0", build: hand(func(c *handClick) { c.DebianBinary = "3.0\n" }), code: CodeDebianBinary},
		{name: "hand/no-click-binary", build: hand(members(func(m []arMember) []arMember { return without(m, "_click-binary") })),
			code: CodeArchive, stricter: "click verify reads Click-Version only; the contract requires click build's _click-binary member"},
		{name: "hand/click-binary-0.5", build: hand(func(c *handClick) { c.ClickBinary = "0.5\n" }),
			code: CodeClickBinary, stricter: "click verify ignores _click-binary; the contract caps it at 0.4"},
		{name: "hand/no-data", build: hand(members(func(m []arMember) []arMember { return without(m, "data.tar.gz") })), code: CodeArchive},
		{name: "hand/data-before-control", build: hand(members(func(m []arMember) []arMember {
			return []arMember{m[0], m[1], m[3], m[2]}
		})), code: CodeArchive},
		{name: "hand/member-after-data", build: hand(members(func(m []arMember) []arMember {
			return append(m, arMember{"_extra", []byte("x")})
		})), code: CodeArchive, stricter: "dpkg skips unknown _ members; the contract allows only _gpgorigin after data.tar.gz"},
		{name: "hand/click-version-0.5", build: hand(setField("Click-Version", "0.5")), code: CodeControl},
		{name: "hand/no-click-version", build: hand(setField("Click-Version", "")), code: CodeControl},
		{name: "hand/no-maintainer-field", build: hand(setField("Maintainer", "")), code: CodeControl,
			stricter: "click verify needs only Click-Version; the contract requires click build's seven fields"},
		{name: "hand/depends", build: hand(setField("Depends", "libc6")), code: CodeForbidden},
		{name: "hand/pre-depends", build: hand(setField("Pre-Depends", "dpkg")), code: CodeForbidden},
		{name: "hand/recommends", build: hand(setField("Recommends", "foo")), code: CodeForbidden},
		{name: "hand/suggests", build: hand(setField("Suggests", "foo")), code: CodeForbidden},
		{name: "hand/enhances", build: hand(setField("Enhances", "foo")), code: CodeForbidden},
		{name: "hand/conflicts", build: hand(setField("Conflicts", "foo")), code: CodeForbidden},
		{name: "hand/breaks", build: hand(setField("Breaks", "foo")), code: CodeForbidden},
		{name: "hand/provides", build: hand(setField("Provides", "foo")), code: CodeForbidden},
		{name: "hand/preinst-changed", build: hand(func(c *handClick) { c.ControlFiles[0].Body = "#!/bin/sh\nrm -rf /\n" }), code: CodeScript},
		{name: "hand/postinst", build: hand(func(c *handClick) {
			c.ControlFiles = append(c.ControlFiles, tarEntry{Name: "./postinst", Body: "#!/bin/sh\nexit 0\n"})
		}), code: CodeScript},
		{name: "hand/no-manifest", build: hand(func(c *handClick) { c.NoManifest = true }), code: CodeManifest},
		{name: "hand/manifest-not-json", build: hand(func(c *handClick) {
			c.NoManifest = true
			c.ControlFiles = append(c.ControlFiles, tarEntry{Name: "./manifest", Body: "{name: oops"})
		}), code: CodeManifest},
		{name: "hand/manifest-no-name", build: hand(manifestKey("name", nil)), code: CodeManifest},
		{name: "hand/manifest-name-slash", build: hand(manifestKey("name", "com.example/evil")), code: CodeName},
		{name: "hand/manifest-name-number", build: hand(manifestKey("name", 42)), code: CodeManifest},
		{name: "hand/manifest-no-version", build: hand(manifestKey("version", nil)), code: CodeManifest},
		{name: "hand/manifest-version-underscore", build: hand(manifestKey("version", "1.0_1")), code: CodeVersion},
		{name: "hand/manifest-no-framework", build: hand(manifestKey("framework", nil)), code: CodeManifest},
		{name: "hand/framework-version-relation", build: hand(manifestKey("framework", fw+" (>= 1)")), code: CodeFramework},
		{name: "hand/manifest-no-installed-size", build: hand(manifestKey("installed-size", nil)), code: CodeManifest,
			stricter: "click verify does not read installed-size; the contract requires it"},
		{name: "hand/manifest-installed-size-list", build: hand(manifestKey("installed-size", []string{"1"})), code: CodeManifest,
			stricter: "click verify does not read installed-size; the contract requires a number"},
		{name: "hand/arch-list", build: hand(manifestKey("architecture", []string{"armhf", "arm64"}))},
		{name: "hand/arch-number", build: hand(manifestKey("architecture", 7)), code: CodeArchitecture,
			stricter: "click verify reads architecture only when installing; the contract requires all, an arch or a list"},
		{name: "hand/md5sum-mismatch", build: hand(sums("00000000000000000000000000000000  README\n")), code: CodeMD5Sums},
		{name: "hand/md5sums-missing-file", build: hand(func(c *handClick) {
			s := fmt.Sprintf("%x  bin/app\n%x  bin/gone\n", md5.Sum([]byte(c.Data[2].Body)), md5.Sum([]byte("gone")))
			c.MD5Sums = &s
		}), code: CodeMD5Sums},
		{name: "hand/md5sums-partial", build: hand(func(c *handClick) {
			s := fmt.Sprintf("%x  bin/app\n", md5.Sum([]byte(c.Data[2].Body)))
			c.MD5Sums = &s
		})},
		{name: "hand/no-md5sums", build: hand(func(c *handClick) { c.NoMD5Sums = true }), code: CodeMD5Sums},
		{name: "hand/empty-md5sums", build: hand(sums("")), code: CodeMD5Sums},
		{name: "hand/path-without-dot-slash", build: hand(dataEntry(tarEntry{Name: "etc/evil", Body: "x"})), code: CodeData},
		{name: "hand/absolute-path", build: hand(dataEntry(tarEntry{Name: "/etc/evil", Body: "x"})), code: CodeData},
		{name: "hand/dot-dot", build: hand(dataEntry(tarEntry{Name: "./../evil", Body: "x"})), code: CodeData},
		{name: "hand/device-node", build: hand(dataEntry(tarEntry{Name: "./null", Type: tar.TypeChar})), code: CodeData,
			stricter: "click verify lets dpkg-deb create device nodes; the contract refuses them"},
		{name: "hand/symlink-outside", build: hand(dataEntry(tarEntry{Name: "./lib", Type: tar.TypeSymlink, Link: "/usr/lib"}))},
	}
}

func TestConformanceWithClickVerify(t *testing.T) {
	for _, tc := range corpus() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := tc.build(t, t.TempDir())
			info, err := InspectFile(path, Options{})
			if err != nil {
				t.Fatalf("InspectFile: %v", err)
			}
			oracleOK, oracleSaid := clickVerify(t, path)
			switch {
			case tc.stricter != "":
				if !oracleOK {
					t.Errorf("expected click verify to accept (stagebot is stricter: %s); it refused: %s", tc.stricter, oracleSaid)
				}
			case oracleOK != info.OK():
				t.Errorf("verdicts differ: click verify ok=%v (%s), stagebot ok=%v %v", oracleOK, oracleSaid, info.OK(), info.Problems)
			}
			wantOK := tc.code == ""
			if info.OK() != wantOK {
				t.Fatalf("Inspect ok=%v, want %v; problems %v", info.OK(), wantOK, info.Problems)
			}
			if !wantOK && !hasCode(info, tc.code) {
				t.Errorf("problems %v lack code %q", info.Problems, tc.code)
			}
		})
	}
}

func hasCode(info *Info, code string) bool {
	for _, p := range info.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}
