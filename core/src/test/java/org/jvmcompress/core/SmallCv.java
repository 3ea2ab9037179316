package org.jvmcompress.core;

import java.nio.file.Path;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.CvTask;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;

/**
 * The small image task the stage tests share: 4 classes of 16x16 synthetic pictures ({@link Synthetic#images}),
 * {@code train} training pictures and 200 test pictures, split seed 3; and a quarter-width cv-teacher trained on it
 * for 2 epochs.
 */
public record SmallCv(CvTask task, TaskData data) {
    public static SmallCv of(int train) {
        CvTask task = new CvTask();
        return new SmallCv(task, task.fromImages(Synthetic.images(train, 4, 16, 1), Synthetic.images(200, 4, 16, 2), 3,
                "syn"));
    }

    /** The teacher, trained into {@code dir}/t/teacher.zip. */
    public LoadedModel teacher(Path dir) {
        return TrainedModels.train(task, data, new TrainConfig("cv-teacher,width=0.25", 2, 32, 3e-3, 1.0, 2, 0, 5, 0),
                dir.resolve("t"), dir.resolve("t/teacher.zip"), false, null).model();
    }
}
