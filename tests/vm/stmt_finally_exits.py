# ftpy-report-leaks
# return, break and continue out of a finally body that runs for an exception: the exception
# is dropped, and the one being handled around it (if any) is current again
def ctx():
    try:
        raise RuntimeError("probe")
    except RuntimeError as e:
        return type(e.__context__).__name__


def f():
    try:
        raise ValueError("a")
    finally:
        return 1


print(f(), ctx())


def g():
    for i in range(3):
        try:
            raise KeyError(i)
        finally:
            if i == 1:
                break
            continue
    return i, ctx()


print(g())


def h():
    try:
        try:
            raise TypeError
        except TypeError:
            try:
                raise ValueError
            finally:
                return ctx()
    finally:
        pass


print(h())


def k():
    try:
        raise ValueError
    except ValueError:
        for x in [1, 2]:
            try:
                raise KeyError
            finally:
                print("in", ctx())
                continue
        return ctx()


print(k(), ctx())


def gen():
    try:
        yield 1
        raise ValueError
    finally:
        return


print(list(gen()))


def nested():
    for i in range(2):
        try:
            try:
                raise IndexError
            finally:
                if i == 0:
                    continue
        except IndexError:
            print("caught at", i)
    return "done", ctx()


print(nested())
