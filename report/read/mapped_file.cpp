// report/read/mapped_file.cpp — see mapped_file.h.
#include "mapped_file.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sciagraph::report {

MappedFile::~MappedFile()
{
    if (data_ != nullptr && size_ > 0) {
        ::munmap(data_, size_);
    }
}

std::shared_ptr<MappedFile> MappedFile::open(const std::filesystem::path& path, Error& error)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int e = errno;
        error.status =
            e == ENOENT || e == ENOTDIR ? ExitStatus::MissingInput : ExitStatus::Unreadable;
        error.message = "cannot open " + path.string() + ": " + std::strerror(e);
        return nullptr;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        error = {ExitStatus::Unreadable, path.string() + " is not a regular file"};
        return nullptr;
    }
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->size_ = static_cast<size_t>(st.st_size);
    if (file->size_ > 0) {
        void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int e = errno;
            ::close(fd);
            file->size_ = 0;
            error = {ExitStatus::Unreadable,
                     "cannot read " + path.string() + ": " + std::strerror(e)};
            return nullptr;
        }
        file->data_ = p;
        // Read ahead; pages are faulted in by whichever thread parses them.
        ::madvise(p, file->size_, MADV_SEQUENTIAL | MADV_WILLNEED);
    }
    ::close(fd);
    return file;
}

bool write_file(const std::filesystem::path& path, std::string_view content, Error& error)
{
    const std::filesystem::path tmp = path.string() + ".tmp";
    // A fresh file: O_EXCL and O_NOFOLLOW refuse anything planted at the temporary name in a
    // shared directory (a symlink, a hard link); a leftover of ours is removed when the name is
    // taken (not before every open: a failed path walk per file, and a run's report writes
    // eight files per process). The mode is 0644 less the umask: never writable by others.
    constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = ::open(tmp.c_str(), kFlags, 0644);
    if (fd < 0 && errno == EEXIST && (::unlink(tmp.c_str()) == 0 || errno == ENOENT)) {
        fd = ::open(tmp.c_str(), kFlags, 0644);
    }
    if (fd < 0) {
        error = {ExitStatus::CannotWrite,
                 "cannot write " + path.string() + ": " + std::strerror(errno)};
        return false;
    }
    const char* p = content.data();
    size_t left = content.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            error = {ExitStatus::CannotWrite,
                     "cannot write " + path.string() + ": " + std::strerror(n < 0 ? errno : EIO)};
            ::close(fd);
            ::unlink(tmp.c_str());
            return false;
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
        error = {ExitStatus::CannotWrite,
                 "cannot write " + path.string() + ": " + std::strerror(errno)};
        ::unlink(tmp.c_str());
        return false;
    }
    return true;
}

}  // namespace sciagraph::report
