package environ

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeTree builds a fake cgroup filesystem in a temporary directory: files
// maps paths relative to the tree (first element is the mount: "unified",
// "memory", "cpu,cpuacct") to contents; mounts lists "TYPE ROOT DIR OPTS".
type fakeTree struct {
	self   string
	mounts []string
	files  map[string]string
}

func (ft fakeTree) build(t *testing.T) CgroupFiles {
	t.Helper()
	base := filepath.Join(t.TempDir(), "sys fs") // a space, escaped in mountinfo
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	var mi strings.Builder
	fmt.Fprintln(&mi, "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw")
	for i, m := range ft.mounts {
		var fstype, root, dir, opts string
		if _, err := fmt.Sscan(m, &fstype, &root, &dir, &opts); err != nil {
			t.Fatalf("bad mount %q: %v", m, err)
		}
		point := filepath.Join(base, dir)
		if err := os.MkdirAll(point, 0o755); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&mi, "%d 22 0:%d %s %s rw,nosuid shared:9 - %s cgroup %s\n",
			30+i, 30+i, root, strings.ReplaceAll(point, " ", `\040`), fstype, opts)
	}
	for rel, content := range ft.files {
		p := filepath.Join(base, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files := CgroupFiles{
		SelfCgroup: filepath.Join(base, "proc-self-cgroup"),
		MountInfo:  filepath.Join(base, "proc-self-mountinfo"),
	}
	if err := os.WriteFile(files.SelfCgroup, []byte(ft.self), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files.MountInfo, []byte(mi.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return files
}

const (
	v2Self     = "0::/kubepods/pod1/ctr\n"
	hybridSelf = "4:memory:/kubepods/pod1/ctr\n2:cpu,cpuacct:/kubepods/pod1/ctr\n1:name=systemd:/x\n0::/\n"
	v2Mount    = "cgroup2 / unified rw"
	memMount   = "cgroup / memory rw,memory"
	cpuMount   = "cgroup / cpu,cpuacct rw,cpu,cpuacct"
	v1NoLimit  = "9223372036854771712"
)

func TestReadLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tree    fakeTree
		want    []string
		wantErr string
	}{
		{"v2 max and quota/period", fakeTree{v2Self, []string{v2Mount}, map[string]string{
			"unified/kubepods/pod1/ctr/memory.max": "max",
			"unified/kubepods/pod1/ctr/cpu.max":    "50000 100000",
			"unified/kubepods/pod1/memory.max":     "536870912",
			"unified/kubepods/pod1/cpu.max":        "max 100000",
		}}, []string{"INITD_MEMORY_LIMIT_BYTES=536870912", "INITD_CPU_LIMIT=0.5"}, ""},
		{"v2 tightest wins on the way up", fakeTree{v2Self, []string{v2Mount}, map[string]string{
			"unified/kubepods/pod1/ctr/memory.max": "1073741824",
			"unified/kubepods/pod1/ctr/cpu.max":    "300000 100000",
			"unified/kubepods/pod1/memory.max":     "2147483648",
			"unified/kubepods/cpu.max":             "150000 100000",
		}}, []string{"INITD_MEMORY_LIMIT_BYTES=1073741824", "INITD_CPU_LIMIT=1.5"}, ""},
		{"v2 no limits", fakeTree{v2Self, []string{v2Mount}, map[string]string{
			"unified/kubepods/pod1/ctr/memory.max": "max",
			"unified/kubepods/pod1/ctr/cpu.max":    "max 100000",
		}}, nil, ""},
		{"v2 lone quota and odd period", fakeTree{v2Self, []string{v2Mount}, map[string]string{
			"unified/kubepods/pod1/ctr/cpu.max": "200000",
			"unified/kubepods/pod1/cpu.max":     "25000 50000",
		}}, []string{"INITD_CPU_LIMIT=0.5"}, ""},
		{"v1 huge is no limit, parent limits", fakeTree{hybridSelf, []string{memMount, cpuMount, v2Mount}, map[string]string{
			"memory/kubepods/pod1/ctr/memory.limit_in_bytes":  v1NoLimit,
			"memory/kubepods/pod1/memory.limit_in_bytes":      "268435456",
			"memory/memory.limit_in_bytes":                    v1NoLimit,
			"cpu,cpuacct/kubepods/pod1/ctr/cpu.cfs_quota_us":  "200000",
			"cpu,cpuacct/kubepods/pod1/ctr/cpu.cfs_period_us": "100000",
			"cpu,cpuacct/kubepods/cpu.cfs_quota_us":           "-1",
			"cpu,cpuacct/kubepods/cpu.cfs_period_us":          "100000",
		}}, []string{"INITD_MEMORY_LIMIT_BYTES=268435456", "INITD_CPU_LIMIT=2"}, ""},
		{"v1 no limits", fakeTree{hybridSelf, []string{memMount, cpuMount}, map[string]string{
			"memory/kubepods/pod1/ctr/memory.limit_in_bytes":  v1NoLimit,
			"cpu,cpuacct/kubepods/pod1/ctr/cpu.cfs_quota_us":  "-1",
			"cpu,cpuacct/kubepods/pod1/ctr/cpu.cfs_period_us": "100000",
		}}, nil, ""},
		{"hybrid takes the tightest of v1 and v2", fakeTree{
			"4:memory:/a\n0::/a\n", []string{memMount, v2Mount}, map[string]string{
				"memory/a/memory.limit_in_bytes": "300000000",
				"unified/a/memory.max":           "200000000",
			}}, []string{"INITD_MEMORY_LIMIT_BYTES=200000000"}, ""},
		{"no cgroup namespace: mount root is the container's cgroup", fakeTree{
			"4:memory:/docker/abc\n", []string{"cgroup /docker/abc memory rw,memory"}, map[string]string{
				"memory/memory.limit_in_bytes": "104857600",
			}}, []string{"INITD_MEMORY_LIMIT_BYTES=104857600"}, ""},
		{"cgroup directory not visible: mount point used", fakeTree{
			"0::/elsewhere/deep\n", []string{v2Mount}, map[string]string{
				"unified/memory.max": "104857600",
			}}, []string{"INITD_MEMORY_LIMIT_BYTES=104857600"}, ""},
		{"v1 cpu controller not mounted", fakeTree{hybridSelf, []string{memMount}, map[string]string{
			"memory/kubepods/pod1/ctr/memory.limit_in_bytes": "4096",
		}}, []string{"INITD_MEMORY_LIMIT_BYTES=4096"}, ""},
		{"no cgroup mounts", fakeTree{v2Self, nil, nil}, nil, ""},
		{"malformed file reported, others kept", fakeTree{v2Self, []string{v2Mount}, map[string]string{
			"unified/kubepods/pod1/ctr/memory.max": "lots",
			"unified/kubepods/pod1/ctr/cpu.max":    "100000 100000",
		}}, []string{"INITD_CPU_LIMIT=1"}, `memory.max: not a number: "lots"`},
		{"malformed cpu.max", fakeTree{v2Self, []string{v2Mount}, map[string]string{
			"unified/kubepods/pod1/ctr/cpu.max": "1 2 3",
		}}, nil, "cpu.max: want"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lim, err := ReadLimits(tt.tree.build(t))
			if tt.wantErr == "" && err != nil {
				t.Fatalf("ReadLimits: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("ReadLimits error = %v, want it to contain %q", err, tt.wantErr)
			}
			if got := lim.Env(); !slices.Equal(got, tt.want) {
				t.Fatalf("Env() = %q, want %q (limits %+v)", got, tt.want, lim)
			}
		})
	}
}

func TestReadLimitsMissingProc(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := ReadLimits(CgroupFiles{SelfCgroup: filepath.Join(dir, "nope"), MountInfo: filepath.Join(dir, "nope")})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("ReadLimits = %v, want an error naming the file", err)
	}
}

func TestSetEnv(t *testing.T) {
	t.Parallel()
	env := []string{"A=1", "INITD_CPU_LIMIT=99", "INITD_MEMORY_LIMIT_BYTES=1"}
	got := Limits{MemoryBytes: 1024, CPUQuota: 50000, CPUPeriod: 100000}.SetEnv(env)
	want := []string{"A=1", "INITD_MEMORY_LIMIT_BYTES=1024", "INITD_CPU_LIMIT=0.5"}
	if !slices.Equal(got, want) {
		t.Fatalf("SetEnv = %q, want %q", got, want)
	}
	if got := (Limits{}).SetEnv(env); !slices.Equal(got, []string{"A=1"}) {
		t.Fatalf("SetEnv without limits = %q, inherited values must not survive", got)
	}
}

func TestUnescapeMount(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{`/a\040b`: "/a b", `/x\134y`: `/x\y`, `/t\04`: `/t\04`, "/plain": "/plain"} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseCgroupFiles(f *testing.F) {
	f.Add("0::/a\n4:memory:/b\n", "30 22 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "50000 100000")
	f.Add("bad", "1 2 3 - x", "max")
	f.Add("::", "- - - - - - cgroup", "")
	f.Fuzz(func(t *testing.T, self, mountinfo, cpuMax string) {
		parseSelfCgroup(self)
		for _, m := range parseMountInfo(mountinfo) {
			if m.fstype != "cgroup" && m.fstype != "cgroup2" {
				t.Fatalf("non-cgroup mount %+v returned", m)
			}
		}
		q, p, err := parseCPUMax(cpuMax)
		if err == nil && (q < 0 || p < 0 || (q > 0) != (p > 0)) {
			t.Fatalf("parseCPUMax(%q) = %d, %d", cpuMax, q, p)
		}
	})
}
