// Package output writes the files a run produces (the HTML report, the
// JSON and Markdown summaries, the event export, the site folder's files,
// downloaded feeds, profiles) and checks them before the run reads
// anything.
//
// Two steps, two rules:
//
//   - Plan, before reading: every output path is refused (a usage mistake)
//     when it is empty, names a directory, a device, a FIFO or a socket
//     (also through a symbolic link), is an input of the run (the same
//     file, compared by device and inode, so a symbolic or hard link to an
//     input counts), or is the same file as another output; and at most
//     one output may be "-", standard output.
//   - WriteFile, at the end: the file is written to a temporary file in
//     the same directory, synced, and renamed over the target, so a failed
//     or interrupted run leaves the previous file whole, never half of a
//     new one. A symbolic link at the target is replaced by the new file,
//     never followed: writing report.html cannot change the file a link
//     named report.html points to. A replaced regular file keeps its
//     permission bits; a new file gets 0666 less the umask, as the shell's
//     ">" would give it. Owner and group are not carried over.
//
// The package never prints or exits; messages name the flag that set the
// path so that main can show them as they are.
package output
