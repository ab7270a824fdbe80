// The resctrl mount found in mountinfo by fstype, as runc's findIntelRdtMountpointDir.
import t from 'tap'
import { resctrlMountPoint } from '../../../src/resctrl/mount'

const line = (mountPoint: string, fstype: string, source: string) =>
  `40 25 0:37 / ${mountPoint} rw,relatime shared:20 - ${fstype} ${source} rw`

t.test('the first mount of fstype resctrl, mount point unescaped', async (t) => {
  const info = [line('/', 'ext4', '/dev/sda1'), line('/mnt/my\\040rdt', 'resctrl', 'resctrl'), line('/sys/fs/resctrl', 'resctrl', 'resctrl')].join('\n')
  t.equal(resctrlMountPoint(info), '/mnt/my rdt')
})

t.test('no resctrl mount: null, whatever the sources are called', async (t) => {
  t.equal(resctrlMountPoint([line('/', 'ext4', '/dev/sda1'), line('/resctrl', 'tmpfs', 'resctrl')].join('\n') + '\n'), null)
  t.equal(resctrlMountPoint(''), null)
})

t.test('optional fields before the separator do not move the fstype', async (t) => {
  t.equal(resctrlMountPoint('41 25 0:38 / /sys/fs/resctrl rw shared:1 master:2 - resctrl resctrl rw,mba_MBps'), '/sys/fs/resctrl')
})
